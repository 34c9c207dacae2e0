import { isTerminal, type Task } from '@tend/protocol';
import { TendDaemonError } from '../errors.js';
import type { RetentionStore } from '../store/retention-store.js';
import type { TaskRow } from '../store/task-store.js';
import { resolveTask } from './ids.js';
import type { TaskEnder } from './task-end.js';
import type { TaskContext } from './task-events.js';
import { removeTaskFolder } from './task-folder.js';
import type { TaskStopper } from './task-stopper.js';
import { toTask } from './task-view.js';

/** How long a forced remove waits for the end of the task it SIGKILLed, in ms. */
export const FORCED_REMOVE_WAIT_MS = 10_000;

/**
 * Removes tasks (docs/design.md, "Retention"): task/remove, task/prune and the
 * retention sweep delete an ended task with every trace of it.
 */
export class TaskRemover {
  constructor(
    private readonly context: TaskContext,
    private readonly ender: TaskEnder,
    private readonly stopper: TaskStopper,
    private readonly retention: RetentionStore,
  ) {}

  /**
   * task/remove: deletes an ended task with every trace of it (see {@link forget}). With `force`, a
   * live task is first SIGKILLed (as a whole group) and its end awaited, and the leftovers of an
   * ended one still running are SIGKILLed (without force they run on, no longer watched).
   * @throws TendDaemonError task_live (live, no force), task_not_found, ambiguous_id,
   *   signal_failed (forced, but the task did not end within {@link FORCED_REMOVE_WAIT_MS})
   */
  async remove(ref: string, force: boolean): Promise<Task> {
    const { store } = this.context;
    let row = resolveTask(store, ref);
    if (!isTerminal(row.state)) {
      if (!force) {
        throw new TendDaemonError(
          'task_live',
          `task ${row.id} is ${row.state}; stop it first, or remove it with force`,
          { id: row.id },
        );
      }
      const ended = this.ender.wait(row.id, FORCED_REMOVE_WAIT_MS);
      this.stopper.stop(row, 'SIGKILL', 0, 'remove');
      const { outcome } = await ended;
      if (outcome !== 'exited') {
        throw new TendDaemonError(
          'signal_failed',
          `task ${row.id} did not end within ${FORCED_REMOVE_WAIT_MS / 1000} s of SIGKILL; not removed`,
          { id: row.id },
        );
      }
      row = store.get(row.id) ?? row;
    } else if (force && row.leftoversRunning === true) {
      // Forced: what the ended task left running goes with it (it would write to a deleted log, unwatched).
      this.stopper.signalGroup(row, 'SIGKILL');
    }
    const task = toTask(row);
    this.forget(row);
    return task;
  }

  /**
   * Deletes every trace of ended task `row`: its row, completions (inbox),
   * acknowledgements, read cursors and its folder; emits `change` (removed).
   * A task that is live or already gone is left alone.
   * @returns bytes of disk freed, or undefined when nothing was deleted.
   */
  forget(row: TaskRow): number | undefined {
    const { events, logger, tasksDir } = this.context;
    if (!this.retention.forget(row.id)) return undefined;
    let bytes = 0;
    try {
      bytes = removeTaskFolder(tasksDir, row.id);
    } catch (error) {
      logger.warn({ task: row.id, err: error }, 'task folder not removed');
    }
    events.emit('change', toTask(row), true);
    return bytes;
  }
}
