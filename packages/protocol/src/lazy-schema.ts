/**
 * Wraps a schema builder so that the schema is built on the first call, not when its module is imported,
 * and the same instance is returned by every call after it.
 *
 * Why: building zod schemas costs (zod 4 runs a constructor and its checks per node: ~25–30 ms for this
 * package's schemas, measured by a CPU profile of the daemon's start, issue 13), and most processes that
 * import the protocol need few of them or none (the daemon a method's schemas when its first request
 * arrives). zod 4 has no such wrapper: `z.lazy(() => …)` defers its inner schema but is itself a schema,
 * constructed at import.
 *
 * The instance is kept (not rebuilt) because identity matters: a schema used in several places is one
 * node, and docs/protocol.schema.json is generated from these instances.
 *
 * @param build makes the schema; called at most once (again only if it threw).
 * @returns a function returning the built schema.
 */
export function lazySchema<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => {
    if (built === undefined) built = build();
    return built;
  };
}
