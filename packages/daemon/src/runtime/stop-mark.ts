import { readFileSync } from 'node:fs';
import { DaemonLockedError } from './lock.js';

/** stopped.json: left in the runtime directory by a daemon stopped deliberately (daemon/shutdown without restart, SIGTERM). */
export interface StopMark {
  /** Pid of the daemon that stopped. */
  pid: number;
  /** When it began to stop, epoch ms. */
  stoppedAtMs: number;
}

/**
 * Raised instead of serving by a daemon whose process was started before another daemon was stopped
 * deliberately: the loser of a start race (two clients auto-starting at once), which got the lock only because
 * the winner went, or a daemon still loading when the stop came. The stop was meant to leave no daemon, so it
 * does not take the stopped one's place. A kind of {@link DaemonLockedError}: for the client that spawned it,
 * as a lost race.
 */
export class StoppedMeanwhileError extends DaemonLockedError {
  override name = 'StoppedMeanwhileError';
}

/**
 * Reads stopped.json at `stoppedPath`.
 * @returns the mark, or undefined when there is none or it is unreadable (a partial write, an older format).
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

/**
 * Refuses to serve when a daemon was stopped deliberately at or after `startedAtMs` (epoch ms; this process's
 * start, `performance.timeOrigin`): its stopped.json is that recent. A start after a stop (`tend daemon stop`,
 * then any command) is not refused: its process began after the mark. A mark later than `nowMs` is not
 * believed (the wall clock was set back since it was written; refusing would block every start until the
 * clock caught up). stopped.json's time has ms resolution.
 * @throws StoppedMeanwhileError naming the stopped daemon's pid and the mark, in that case.
 */
export function refuseIfStoppedSince(stoppedPath: string, startedAtMs: number, nowMs = Date.now()): void {
  const mark = readStopMark(stoppedPath);
  if (mark === undefined || mark.stoppedAtMs < Math.floor(startedAtMs) || mark.stoppedAtMs > nowMs) return;
  throw new StoppedMeanwhileError(
    `the tend daemon (pid ${mark.pid}) was stopped deliberately at ${new Date(mark.stoppedAtMs).toISOString()}, ` +
      `after this one was started (${stoppedPath}); not starting in its place`,
  );
}
