import type { SignalName } from '@tend/protocol';

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
  return reason?.endsWith(TRACKED) ? `${reason.slice(0, -TRACKED.length)}${ENDED}` : orphanedReason(undefined, true);
}
