import { withClient, type GlobalOptions } from './connect.js';
import { printJson } from './output.js';

/**
 * `tend inspect ID`: prints the task (`task/get`) as pretty JSON, with or
 * without `--json`.
 * @returns the process exit code (0).
 * @throws the client's task_not_found / ambiguous_id.
 */
export async function inspectTask(id: string, options: GlobalOptions): Promise<number> {
  const task = await withClient(options, (client) => client.get(id));
  await printJson(task);
  return 0;
}
