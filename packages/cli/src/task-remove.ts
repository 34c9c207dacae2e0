import { withClient, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { forEachTask } from './for-each-task.js';

/** Options of `tend rm`. */
export interface RemoveOptions extends GlobalOptions {
  /** Kill live tasks first (SIGKILL) instead of refusing them. */
  force?: boolean;
}

/**
 * `tend rm ID…`: deletes ended tasks with their logs (`task/remove`); a live
 * task is refused (reason `task_live`, naming `tend stop` and `tend rm -f`)
 * unless `-f`, which kills it first. Prints each removed id, or the removed
 * task(s) as JSON.
 * @returns 0, or 125 when any task could not be removed (each error on stderr).
 */
export async function removeTasks(ids: string[], options: RemoveOptions): Promise<number> {
  return withClient(options, (client) =>
    forEachTask(ids, options, async (id) => {
      try {
        return await client.remove(id, { force: options.force ?? false });
      } catch (err) {
        if ((err as { reason?: unknown }).reason !== 'task_live') throw err;
        throw new CliError(
          `task ${id} is still running: stop it first (tend stop ${id}), or stop and remove it at once with tend rm -f ${id}`,
          {
            cause: err,
            reason: 'task_live',
          },
        );
      }
    }),
  );
}
