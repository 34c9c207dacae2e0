import { TERMINATING_SIGNALS, type SignalName, type TaskState } from '@tend/protocol';
import type { TaskRow } from '../store/task-store.js';

/** How a task's process ended, as far as tend knows. */
export interface TaskEnd {
  exitCode?: number;
  signal?: SignalName;
  /** ms since epoch. */
  endedAt: number;
  /** Set when the exit status is unknown: why (reboot, wrapper vanished…). The task ends `lost`. */
  lostReason?: string;
}

/** Signals a user sends to end a task (@tend/protocol's list); a death by another (SEGV, ABRT…) is a failure. */
const ENDING_SIGNALS: readonly string[] = TERMINATING_SIGNALS;

/**
 * The terminal state of `row` given how it ended: a stop tend was asked for
 * wins (timed_out for a timeout, killed otherwise); a stop for an expired TTL
 * or a session gone (lifetime session) is `killed`, not `timed_out`: those are
 * ends the caller asked for in advance, while a timeout says the command did
 * not finish in time (a failure; docs/design.md, "Lifetime policies"). Then an unknown end is
 * `lost` (never reported as 0); a terminating signal is `killed`, another
 * signal `failed`; exit status 0 is `succeeded`, anything else `failed`.
 */
export function endState(row: Pick<TaskRow, 'state' | 'stopCause'>, end: TaskEnd): TaskState {
  if (row.state === 'stopping' && row.stopCause !== undefined) {
    return row.stopCause === 'timeout' ? 'timed_out' : 'killed';
  }
  if (end.lostReason !== undefined) return 'lost';
  if (end.signal !== undefined) return ENDING_SIGNALS.includes(end.signal) ? 'killed' : 'failed';
  return end.exitCode === 0 ? 'succeeded' : 'failed';
}
