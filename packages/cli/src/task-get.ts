import { isTerminal } from '@tend/protocol/wire';
import { withClient, type GlobalOptions } from './connect.js';
import { printJson } from './output.js';
import { fetchStats } from './task-stats.js';
import { withStats } from './task-list.js';

/**
 * `tend inspect ID`: prints the task (`task/get`) as pretty JSON, with or
 * without `--json`; a live task also carries `stats` (`task/stats`: pids, CPU
 * % of one core, RSS bytes, listening ports) when the daemon knows that method.
 * @returns the process exit code (0).
 * @throws the client's task_not_found / ambiguous_id.
 */
export async function inspectTask(id: string, options: GlobalOptions): Promise<number> {
  const task = await withClient(options, async (client) => {
    const task = await client.get(id);
    return isTerminal(task.state) ? task : withStats(task, await fetchStats(client, [task.id]));
  });
  await printJson(task);
  return 0;
}
