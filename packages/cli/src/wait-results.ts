import type { Task } from '@tend/protocol/wire';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { exitCodeOf } from './exit-status.js';
import { jsonFailure, messageOf } from './failure.js';

/** How the wait for one task reference turned out: `task/wait`'s answer, or why it failed. */
export type WaitResult =
  | { ref: string; outcome: 'exited' | 'timeout'; task: Task }
  | { ref: string; error: unknown };

/** What `tend wait` reports for several waits. */
export interface WaitSummary {
  /** Exit code: the first non-zero one in argument order (the task's own, 124 timeout, 125 tend failure), else 0. */
  code: number;
  /** One line per reference, in argument order: `<id> <state> (exit code N | signal S | …)`. */
  lines: string[];
  /** Messages for stderr (timeouts, lost tasks, unknown ids), in argument order. */
  warnings: string[];
  /** Waits that failed in tend (unknown id, lost task…), for `--json`: `{ref, reason, message}`. */
  failures: { ref: string; reason: string; message: string }[];
}

/**
 * Sums up the waits of `tend wait A B …` so that no failure hides behind a
 * later success: the exit code is the first failure's in argument order
 * (`tend wait $t1 $t2 && deploy` deploys only when every task succeeded).
 */
export function summarizeWaits(results: readonly WaitResult[]): WaitSummary {
  const summary: WaitSummary = { code: ExitCode.Ok, lines: [], warnings: [], failures: [] };
  for (const result of results) {
    let code: number;
    if ('error' in result) {
      code = ExitCode.TendFailure;
      const { reason, message } = jsonFailure(result.error).error;
      summary.failures.push({ ref: result.ref, reason, message });
      summary.warnings.push(messageOf(result.error));
      summary.lines.push(`${result.ref} unknown (${messageOf(result.error)})`);
    } else if (result.outcome === 'timeout') {
      code = ExitCode.Timeout;
      summary.warnings.push(`timed out waiting for task ${result.task.id} (still ${result.task.state})`);
      summary.lines.push(`${result.task.id} ${result.task.state} (timed out waiting)`);
    } else {
      try {
        code = exitCodeOf(result.task);
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        code = err.exitCode;
        summary.warnings.push(err.message);
        summary.failures.push({ ref: result.ref, reason: err.reason, message: err.message });
      }
      summary.lines.push(`${result.task.id} ${result.task.state} (${describeEnd(result.task)})`);
    }
    if (summary.code === ExitCode.Ok) summary.code = code;
  }
  return summary;
}

/** `exit code 3`, `signal SIGTERM`, or `exit status unknown` for a task without either. */
function describeEnd(task: Task): string {
  if (task.exitCode !== undefined) return `exit code ${task.exitCode}`;
  if (task.signal !== undefined) return `signal ${task.signal}`;
  return 'exit status unknown';
}
