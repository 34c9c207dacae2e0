import type { TendClient } from '@tend/client';
import type { Task } from '@tend/protocol/wire';
import { withClient, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { exitCodeOf } from './exit-status.js';
import { printJson, printLine, warn } from './output.js';
import { describeUntil, untilOf, type Until, type UntilOptions } from './until.js';

/** Options of `tend wait`. */
export interface WaitOptions extends GlobalOptions, UntilOptions {
  /** Deadline for all the waits together, in ms (already parsed from `--timeout`). */
  timeout?: number;
}

/**
 * `tend wait ID…`: waits for each task in turn (`task/wait`) and exits with the
 * exit code of the last one, as sh's `wait` does: its own code, or 128 + N when
 * signal N ended it. If `--timeout` passes first, says which task is still
 * running and returns 124 (as timeout(1) does). `--json` prints the task (one
 * id) or the array of tasks as they were when the wait ended.
 *
 * With `--until-output RE`, `--until-port N` or `--until-http URL` (one task),
 * waits for that condition instead (see {@link waitUntil}).
 * @returns the process exit code.
 * @throws CliError (125) when a task was lost or has no exit status, or for
 *   bad --until-… options; the client's task_not_found / ambiguous_id.
 */
export async function waitTasks(ids: string[], options: WaitOptions): Promise<number> {
  const until = await untilOf(options);
  if (until && ids.length !== 1) throw new CliError(`--until-… waits for one task; ${ids.length} were given`);
  const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout;
  return withClient(options, async (client) => {
    if (until) return waitUntil(client, ids[0]!, until, options);
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

/**
 * Waits (`task/wait` with `until`) until the condition holds, the task ends or
 * `--timeout` passes. The daemon does the watching: output is matched against
 * the whole log (a line printed before the wait counts), the port is looked
 * up among the task's process group's listening sockets, the URL is requested
 * every 100 ms.
 * - condition held: prints the matching line (output) and returns 0;
 * - task ended first: says so on stderr and returns its exit code (128 + N
 *   for signal N; 125 when it was lost);
 * - timeout: says so on stderr and returns 124.
 * `--json` prints the wait result `{outcome, match?, task}` instead of the line.
 */
async function waitUntil(client: TendClient, id: string, until: Until, options: WaitOptions): Promise<number> {
  const result = await client.wait(id, { until, ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}) });
  if (options.json) await printJson(result);
  const { task } = result;
  switch (result.outcome) {
    case 'timeout':
      warn(`timed out waiting for ${describeUntil(until)} from task ${task.id} (still ${task.state})`);
      return ExitCode.Timeout;
    case 'exited':
      warn(`task ${task.id} ended ${task.state} before ${describeUntil(until)}`);
      return exitCodeOf(task);
    default:
      if (result.outcome === 'output' && !options.json) await printLine(result.match ?? '');
      return ExitCode.Ok;
  }
}
