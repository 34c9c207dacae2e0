import type { Task } from '@tend/protocol';
import type { GlobalOptions } from './connect.js';
import { ExitCode } from './exit-codes.js';
import { jsonFailure, messageOf } from './failure.js';
import { printJson, printJsonLine, printLine, warn } from './output.js';

/**
 * Applies `action` to each task reference, all at once, then prints the ids
 * of the tasks it succeeded for (one a line, in the order given) or, with
 * `--json`, the task object (one reference) or the array of task objects.
 * A failure does not stop the others: its message goes to stderr as
 * `tend: <message>`. With `--json` and any failure, stdout gets one object
 * instead: `{"error": {reason, message, exitCode: 125, failures: [{ref,
 * reason, message}]}, "tasks": [the tasks it succeeded for]}`, the reason and
 * message being the first failure's (in the order given).
 * @returns 0 when every action succeeded, else 125.
 */
export async function forEachTask(
  refs: readonly string[],
  options: GlobalOptions,
  action: (ref: string) => Promise<Task>,
): Promise<number> {
  const results = await Promise.allSettled(refs.map(action));
  const done: Task[] = [];
  const failures: { ref: string; reason: string; message: string }[] = [];
  results.forEach((result, i) => {
    const ref = refs[i] ?? ''; // one result per ref, in order (Promise.allSettled)
    if (result.status === 'fulfilled') {
      done.push(result.value);
      return;
    }
    warn(messageOf(result.reason));
    const { reason, message } = jsonFailure(result.reason).error;
    failures.push({ ref, reason, message });
  });
  const [first] = failures;
  if (options.json && first) {
    const { reason, message } = first;
    await printJsonLine({
      error: { reason, message, exitCode: ExitCode.TendFailure, failures },
      tasks: done,
    });
  } else if (options.json && refs.length === 1) await printJson(done[0]);
  else if (options.json) await printJson(done);
  else for (const task of done) await printLine(task.id);
  return failures.length === 0 ? ExitCode.Ok : ExitCode.TendFailure;
}
