import { isTerminal, SIGNALS, type Task } from '@tend/protocol/wire';
import { CliError } from './errors.js';
import { SIGNAL_EXIT_BASE } from './exit-codes.js';

/**
 * Exit code that reports an ended task the way a shell would: its own exit code,
 * or 128 + the signal's Linux number (signal(7), e.g. SIGKILL → 137) when a
 * signal ended it.
 * @throws CliError (exit 125; reason task_lost, task_live or no_exit_status;
 *   `data.task` the task, for `--json`) when the task has no exit status: it is
 *   still live, or it ended `lost` (reboot, wrapper gone) or without a code or signal.
 */
export function exitCodeOf(task: Task): number {
  // A restarting task carries its last run's status, and has not ended.
  if (!isTerminal(task.state))
    throw new CliError(`task ${task.id} is still ${task.state}`, { reason: 'task_live', data: { task } });
  if (task.exitCode !== undefined) return task.exitCode;
  if (task.signal !== undefined) return SIGNAL_EXIT_BASE + SIGNALS[task.signal as keyof typeof SIGNALS];
  const why = task.reason ? ` (${task.reason})` : '';
  if (task.state === 'lost')
    throw new CliError(`task ${task.id} was lost: its exit status is unknown${why}`, {
      reason: 'task_lost',
      data: { task },
    });
  throw new CliError(`task ${task.id} ended ${task.state} without an exit status${why}`, {
    reason: 'no_exit_status',
    data: { task },
  });
}
