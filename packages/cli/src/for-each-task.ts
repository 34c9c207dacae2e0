import type { Task } from '@tend/protocol';
import type { GlobalOptions } from './connect.js';
import { ExitCode } from './exit-codes.js';
import { printJson, printLine, warn } from './output.js';

/**
 * Applies `action` to each task reference, all at once, then prints the ids
 * of the tasks it succeeded for (one a line, in the order given) or, with
 * `--json`, the task object (one reference; nothing when it failed) or the
 * array of task objects. A failure
 * does not stop the others: its message goes to stderr as `tend: <message>`.
 * @returns 0 when every action succeeded, else 125.
 */
export async function forEachTask(
  refs: readonly string[],
  options: GlobalOptions,
  action: (ref: string) => Promise<Task>,
): Promise<number> {
  const results = await Promise.allSettled(refs.map(action));
  const done: Task[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') done.push(result.value);
    else warn(result.reason instanceof Error ? result.reason.message : String(result.reason));
  }
  if (options.json && refs.length === 1) {
    if (done[0]) await printJson(done[0]);
  } else if (options.json) await printJson(done);
  else for (const task of done) await printLine(task.id);
  return done.length === refs.length ? ExitCode.Ok : ExitCode.TendFailure;
}
