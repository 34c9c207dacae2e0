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
 * Raised instead of serving by a daemon that waited for the lock (a start race) and got it because the daemon
 * holding it was stopped deliberately meanwhile: the stop was meant to leave no daemon, so this one does not
 * take the stopped one's place. A kind of {@link DaemonLockedError}: for the client that spawned it, as a lost race.
 */
export class StoppedWhileWaitingError extends DaemonLockedError {
  override name = 'StoppedWhileWaitingError';
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
 * For a daemon that took the lock after waiting for it: refuses to serve when a daemon was stopped deliberately
 * since `waitingSinceMs` (epoch ms; its stopped.json is at least that recent). stopped.json's time has ms
 * resolution, as Date.now().
 * @throws StoppedWhileWaitingError naming the stopped daemon's pid, in that case.
 */
export function refuseIfStoppedWhileWaiting(stoppedPath: string, waitingSinceMs: number): void {
  const mark = readStopMark(stoppedPath);
  if (mark === undefined || mark.stoppedAtMs < waitingSinceMs) return;
  throw new StoppedWhileWaitingError(
    `the tend daemon that held the lock (pid ${mark.pid}) was stopped deliberately at ` +
      `${new Date(mark.stoppedAtMs).toISOString()} while this one waited for it (${stoppedPath}); not starting in its place`,
  );
}
