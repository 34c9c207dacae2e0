import { readFileSync } from 'node:fs';

/**
 * stopped.json (`TendPaths.stoppedPath`), the mark of a deliberate stop: written by a daemon stopped on purpose
 * (daemon/shutdown without `restart`, SIGTERM, SIGINT) before it closes any connection, removed by the next
 * daemon that serves. Clients whose connection dropped end instead of reconnecting when it names their daemon;
 * a daemon started before it was written does not serve (docs/design.md, "Two locks…").
 */
export interface StopMark {
  /** Pid of the daemon that stopped. */
  pid: number;
  /** When it began to stop, epoch ms (ms resolution). */
  stoppedAtMs: number;
}

/** The file's text for a mark: `{"pid":N,"stoppedAt":"<ISO 8601>"}` and a newline. */
export function formatStopMark(mark: StopMark): string {
  return `${JSON.stringify({ pid: mark.pid, stoppedAt: new Date(mark.stoppedAtMs).toISOString() })}\n`;
}

/**
 * Reads the stop mark at `stoppedPath`.
 * @returns the mark, or undefined when there is none or it is unreadable (a partial write, another format).
 */
export function readStopMark(stoppedPath: string): StopMark | undefined {
  let parsed: { pid?: unknown; stoppedAt?: unknown };
  try {
    parsed = JSON.parse(readFileSync(stoppedPath, 'utf8')) as typeof parsed;
  } catch {
    return undefined;
  }
  const stoppedAtMs = typeof parsed.stoppedAt === 'string' ? Date.parse(parsed.stoppedAt) : Number.NaN;
  if (typeof parsed.pid !== 'number' || Number.isNaN(stoppedAtMs)) return undefined;
  return { pid: parsed.pid, stoppedAtMs };
}
