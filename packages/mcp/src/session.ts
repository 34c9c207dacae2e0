import { createHash } from 'node:crypto';

/** Longest session the daemon accepts (daemon/initialize `session`). */
const MAX_SESSION = 200;
/** Longest reader name the daemon accepts (task/output `reader`). */
const MAX_READER = 100;

/**
 * The session of an MCP server started without `--session`: `$TEND_SESSION`,
 * else `mcp:<workspace>`, so that an agent restarted in the same project finds
 * its tasks, its inbox and its read positions again. Long values are shortened
 * (see {@link fitName}).
 */
export function defaultSession(
  workspace: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const fromEnv = env.TEND_SESSION?.trim();
  return fitName(fromEnv ? fromEnv : `mcp:${workspace}`, MAX_SESSION);
}

/** The reader name of `since: "last"` reads for a session: the session itself, shortened to 100 characters if needed. */
export function readerFor(session: string): string {
  return fitName(session, MAX_READER);
}

/**
 * `name` if it fits in `max` characters, else its start and its end around a
 * hash of the whole (`mcp:/home/…/project#1a2b3c4d5e6f`): stable, and distinct
 * for distinct names.
 */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  const keep = max - hash.length - 2;
  const head = Math.ceil(keep / 3);
  return `${name.slice(0, head)}…${name.slice(name.length - (keep - head))}#${hash}`;
}
