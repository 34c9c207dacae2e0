import { isTerminal, type SignalName } from '@tend/protocol';
import type { TaskRow } from '../store/task-store.js';
import type { TaskEnd } from './end-state.js';
import type { TaskEnder } from './task-end.js';
import { findTaskProcesses } from './task-signal.js';
import { toTask } from './task-view.js';

/** Ending of an orphaned task's reason while its processes run. */
const TRACKED = "the task's remaining processes are tracked until they end";
/** Ending of the reason once they have all ended. */
const ENDED = "the task ended with its last remaining process; the command's exit status is unknown";

/**
 * The `reason` of a task whose wrapper ended without an exit record while
 * processes of the task still run (an "orphaned" task: the command killed its
 * own wrapper, or something else killed only the wrapper). The wrapper's
 * death is not the command's status, so none is recorded.
 * @param signal the signal that ended the wrapper, when known.
 * @param ended false while the processes run; true once the last has ended.
 */
export function orphanedReason(signal: SignalName | undefined, ended: boolean): string {
  const head = signal
    ? `its wrapper was killed by ${signal} before it recorded the command's exit status`
    : "its wrapper ended without recording the command's exit status";
  return `${head}; ${ended ? ENDED : TRACKED}`;
}

/** The final reason of an orphaned task whose live reason was `reason` (see {@link orphanedReason}). */
export function endedOrphanReason(reason: string | undefined): string {
  return reason?.endsWith(TRACKED)
    ? `${reason.slice(0, -TRACKED.length)}${ENDED}`
    : orphanedReason(undefined, true);
}

/**
 * The wrapper of task `id` is gone (`end`: how, as far as known). Ends the
 * task from its exit record; else, when it is `running` and processes
 * provably the task's still run (a command that killed its own wrapper),
 * keeps it `running` with a reason and emits `orphaned` so that the watchdog
 * watches them until they end (then {@link finishOrphan}: `lost`, the exit
 * status is unknown); else ends it with `end` (a task being stopped ends, and
 * its leftovers are SIGKILLed, as the stop asked).
 * @returns 'ended' or 'orphaned'.
 */
export function wrapperGone(ender: TaskEnder, id: string, end: TaskEnd): 'ended' | 'orphaned' {
  const { store, events, logger } = ender.context;
  if (ender.finishFromRecord(id)) return 'ended';
  const row = store.get(id);
  if (!row || isTerminal(row.state) || row.state === 'restarting') return 'ended';
  if (row.state === 'stopping' || findTaskProcesses(row).members.length === 0) {
    ender.finish(id, end);
    return 'ended';
  }
  store.update(id, { reason: orphanedReason(end.signal, false) });
  logger.warn(
    { task: id, signal: end.signal },
    'task wrapper ended without an exit record; its processes still run',
  );
  const orphan = store.get(id) as TaskRow;
  events.emit('orphaned', orphan);
  events.emit('change', toTask(orphan), false);
  return 'orphaned';
}

/** Ends an orphaned task (see {@link wrapperGone}) whose last process has ended: `lost` (or as a stop asked). */
export function finishOrphan(ender: TaskEnder, id: string): void {
  const { store } = ender.context;
  const row = store.get(id);
  if (!row || isTerminal(row.state)) return;
  const reason = endedOrphanReason(row.reason);
  if (row.state !== 'stopping') store.update(id, { reason });
  ender.finish(id, { endedAt: Date.now(), lostReason: reason });
}
