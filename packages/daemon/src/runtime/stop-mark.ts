import { readStopMark } from '@tend/protocol';
import { DaemonLockedError } from './lock.js';

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
