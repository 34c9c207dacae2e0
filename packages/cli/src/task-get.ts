import { isTerminal } from '@tend/protocol/wire';
import { withClient, type GlobalOptions } from './connect.js';
import { printJson } from './output.js';
import { fetchStats } from './task-stats.js';
import { withStats } from './task-list.js';

/**
 * `tend inspect ID`: prints the task (`task/get`) as pretty JSON, with or
 * without `--json`; a live task also carries `stats` (`task/stats`: pids, CPU
 * % of one core, RSS bytes, listening ports) when the daemon knows that method.
 * The overrides given at run (`env`) are shown with their values, the
 * variables captured from the caller's environment by name only
 * (`capturedEnvNames`), with their values too (`capturedEnv`) only with `--env`.
 * @returns the process exit code (0).
 * @throws the client's task_not_found / ambiguous_id.
 */
export async function getTask(id: string, options: GlobalOptions & { env?: boolean }): Promise<number> {
  const task = await withClient(options, async (client) => {
    const task = await client.get(id, { env: options.env === true });
    return isTerminal(task.state) ? task : withStats(task, await fetchStats(client, [task.id]));
  });
  await printJson(task);
  return 0;
}
