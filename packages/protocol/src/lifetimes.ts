// Task lifetime policies as plain values (no zod), shared by the schemas and by fast-starting clients.

/**
 * Lifetime policies of a task (task/run `lifetime`; docs/protocol.md, "task/run"): `persistent` runs until it
 * ends or is stopped (the default); `session` is also stopped once no client of its session (the `session` of
 * `daemon/initialize`) has been connected for the daemon's config `sessionGraceMs`.
 */
export const TASK_LIFETIMES = ['persistent', 'session'] as const;
/** One of {@link TASK_LIFETIMES}. */
export type TaskLifetime = (typeof TASK_LIFETIMES)[number];
