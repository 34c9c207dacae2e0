import {
  isTerminal,
  type ResultOf,
  type SignalName,
  TERMINATING_SIGNALS,
  type TaskKill,
} from '@tend/protocol';
import type { StopCause, TaskRow } from '../store/task-store.js';
import { resolveTask } from './ids.js';
import { taskLeftovers } from './leftovers.js';
import type { TaskEnder } from './task-end.js';
import { findTaskProcesses } from './task-signal.js';
import type { TaskStopper } from './task-stopper.js';
import { toTask } from './task-view.js';

/** How much longer than the grace a waiting task/kill waits for the end, in ms (SIGKILL is then on its way). */
export const KILL_WAIT_MARGIN_MS = 5_000;
/** How long after the end the processes SIGKILLed with it may take to be gone before they count as remaining, in ms. */
const SETTLE_MS = 1_000;
/** Pause between two looks at the leftovers of an ended task being stopped, in ms. */
const LOOK_MS = 50;

/** Options of {@link killAndWait}. */
export interface KillWaitOptions {
  signal: SignalName;
  /** ms between the signal and SIGKILL. */
  graceMs: number;
  /** Wait for the end and prove it (task/kill `wait`, default true). */
  wait: boolean;
  cause?: StopCause;
  /** Aborts the wait (the client went away); the stop goes on. */
  abort?: AbortSignal;
}

/**
 * task/kill (docs/protocol.md): signals the task through the stopper; with a terminating signal
 * and `wait`, answers once the task has ended and its processes are gone — at most `graceMs` +
 * {@link KILL_WAIT_MARGIN_MS} — with `stop: {signalled, remaining}`: the distinct processes its
 * rounds signalled (the signal, SIGCONT, SIGKILL; at least the largest count signalTask reported),
 * and the processes of the task still alive after the end (findTaskProcesses, after up to
 * {@link SETTLE_MS} for the SIGKILLed ones to go; 0: nothing is left). On an ended task whose
 * leftovers run, the wait is for the leftovers.
 * @throws TendDaemonError task_not_found, ambiguous_id, not_running (see TaskStopper.kill).
 */
export async function killAndWait(
  stopper: TaskStopper,
  ender: TaskEnder,
  ref: string,
  options: KillWaitOptions,
): Promise<ResultOf<typeof TaskKill>> {
  const { signal, graceMs, abort } = options;
  const terminating = (TERMINATING_SIGNALS as readonly string[]).includes(signal);
  if (!terminating || !options.wait) return stopper.kill(ref, signal, graceMs, options.cause);
  const { store } = ender.context;
  const row = resolveTask(store, ref);
  const deadline = Date.now() + graceMs + KILL_WAIT_MARGIN_MS;
  stopper.startTally(row.id);
  let signalled: number;
  try {
    const task = stopper.kill(row.id, signal, graceMs, options.cause);
    if (!isTerminal(task.state)) await ender.wait(row.id, Math.max(0, deadline - Date.now()), abort);
    await leftoversGone(stopper, row.id, deadline, abort);
  } finally {
    signalled = stopper.endTally(row.id);
  }
  const after = store.get(row.id) ?? row;
  const remaining = await remainingProcesses(after, Math.min(deadline, Date.now() + SETTLE_MS), abort);
  return { ...toTask(store.get(row.id) ?? after), stop: { signalled, remaining } };
}

/** Looks at the leftovers of task `id` being stopped every {@link LOOK_MS} until none is left, `deadline` or abort. */
async function leftoversGone(stopper: TaskStopper, id: string, deadline: number, abort?: AbortSignal) {
  while (stopper.leftovers.check(id) && Date.now() < deadline && !abort?.aborted) await pause(LOOK_MS);
}

/**
 * Processes of ended task `row` still alive: none once its processes are gone, else the count at
 * `until` (or when the wait is aborted). A task still live at its deadline counts all of its processes.
 */
async function remainingProcesses(row: TaskRow, until: number, abort?: AbortSignal): Promise<number> {
  const count = () =>
    isTerminal(row.state) ? taskLeftovers(row).length : findTaskProcesses(row).members.length;
  let left = count();
  while (left > 0 && Date.now() < until && !abort?.aborted) {
    await pause(LOOK_MS / 2);
    left = count();
  }
  return left;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
