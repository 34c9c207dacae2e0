import type { Task } from '@tend/protocol';
import { withClient, type GlobalOptions } from './connect.js';
import { ExitCode } from './exit-codes.js';
import { exitCodeOf } from './exit-status.js';
import { printJson, warn } from './output.js';

/** Options of `tend wait`. */
export interface WaitOptions extends GlobalOptions {
  /** Deadline for all the waits together, in ms (already parsed from `--timeout`). */
  timeout?: number;
}

/**
 * `tend wait ID…`: waits for each task in turn (`task/wait`) and exits with the
 * exit code of the last one, as sh's `wait` does: its own code, or 128 + N when
 * signal N ended it. If `--timeout` passes first, says which task is still
 * running and returns 124 (as timeout(1) does). `--json` prints the task (one
 * id) or the array of tasks as they were when the wait ended.
 * @returns the process exit code.
 * @throws CliError (125) when a task was lost or has no exit status; the
 *   client's task_not_found / ambiguous_id.
 */
export async function waitTasks(ids: string[], options: WaitOptions): Promise<number> {
  const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout;
  return withClient(options, async (client) => {
    const tasks: Task[] = [];
    let code: number = ExitCode.Ok;
    for (const id of ids) {
      const timeoutMs = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
      const { outcome, task } = await client.wait(id, timeoutMs === undefined ? {} : { timeoutMs });
      tasks.push(task);
      if (outcome === 'timeout') {
        warn(`timed out waiting for task ${task.id} (still ${task.state})`);
        code = ExitCode.Timeout;
        break;
      }
    }
    if (options.json) await printJson(ids.length === 1 ? tasks[0] : tasks);
    return code === ExitCode.Timeout ? code : exitCodeOf(tasks[tasks.length - 1]!);
  });
}
