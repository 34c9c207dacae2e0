import type { TendClient } from '@tend/client';
import { withClient, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { exitCodeOf } from './exit-status.js';
import { printJson, printJsonLine, printLine, warn } from './output.js';
import { describeUntil, untilOf, type Until, type UntilOptions } from './until.js';
import { summarizeWaits, type WaitResult } from './wait-results.js';

/** Options of `tend wait`. */
export interface WaitOptions extends GlobalOptions, UntilOptions {
  /** Deadline for all the waits together, in ms (already parsed from `--timeout`). */
  timeout?: number;
}

/**
 * `tend wait ID…`: waits for every task at once (`task/wait`) and exits with
 * the exit code of the first one, in argument order, that did not succeed: its
 * own code, or 128 + N when signal N ended it; 124 when `--timeout` passed
 * before it ended; 125 when it was lost or is unknown. 0 only when all
 * succeeded, so `tend wait $a $b && deploy` never deploys after a failure.
 * With several ids, prints one line per task on stdout (`<id> <state> (exit
 * code N)`); timeouts and tend failures are also said on stderr. `--json`
 * prints the task (one id) or the array of tasks as they were when the wait
 * ended; when a wait failed in tend (unknown id…), one object instead:
 * `{"error": {reason, message, exitCode, failures: [{ref, reason, message}]}, "tasks": […]}`.
 *
 * With `--until-output RE`, `--until-port N` or `--until-http URL` (one task),
 * waits for that condition instead (see {@link waitUntil}).
 * @returns the process exit code.
 * @throws CliError (125) for bad --until-… options, or when the one task given
 *   was lost or has no exit status; the client's task_not_found / ambiguous_id (one id).
 */
export async function waitTasks(ids: string[], options: WaitOptions): Promise<number> {
  const until = await untilOf(options);
  if (until && ids.length !== 1) throw new CliError(`--until-… waits for one task; ${ids.length} were given`);
  const timeout = options.timeout === undefined ? {} : { timeoutMs: options.timeout };
  const only = ids.length === 1 ? ids[0] : undefined;
  return withClient(options, async (client) => {
    if (until && only !== undefined) return waitUntil(client, only, until, options);
    if (only !== undefined) {
      const { outcome, task } = await client.wait(only, timeout);
      // Before printing: a lost task is a failure, printed as one JSON error object (with the task).
      const code = outcome === 'timeout' ? ExitCode.Timeout : exitCodeOf(task);
      if (options.json) await printJson(task);
      if (outcome === 'timeout') warn(`timed out waiting for task ${task.id} (still ${task.state})`);
      return code;
    }
    const results = await Promise.all(
      ids.map(
        (ref): Promise<WaitResult> =>
          client.wait(ref, timeout).then(
            ({ outcome, task }) => ({ ref, outcome: outcome === 'timeout' ? 'timeout' : 'exited', task }),
            (error: unknown) => ({ ref, error }),
          ),
      ),
    );
    const summary = summarizeWaits(results);
    for (const message of summary.warnings) warn(message);
    const tasks = results.flatMap((r) => ('task' in r ? [r.task] : []));
    if (!options.json) for (const line of summary.lines) await printLine(line);
    else if (summary.failures[0]) {
      const { reason, message } = summary.failures[0];
      await printJsonLine({
        error: { reason, message, exitCode: summary.code, failures: summary.failures },
        tasks,
      });
    } else await printJson(tasks);
    return summary.code;
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
async function waitUntil(
  client: TendClient,
  id: string,
  until: Until,
  options: WaitOptions,
): Promise<number> {
  const result = await client.wait(id, {
    until,
    ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
  });
  const { task } = result;
  // Before printing: a lost task is a failure, printed as one JSON error object (with the task).
  if (result.outcome === 'exited') exitCodeOf(task);
  if (options.json) await printJson(result);
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
