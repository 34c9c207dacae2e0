import type { Completion, Task } from '@tend/protocol';

/**
 * The completion inbox's record of an ended task (without its seq, which the
 * store assigns): the task's identity and how it ended, plus `tail`, the last
 * lines of its output. Absent fields stay absent.
 */
export function completionOf(task: Task, tail: string): Omit<Completion, 'seq'> {
  const record: Record<string, unknown> = {
    taskId: task.id,
    name: task.name,
    description: task.description,
    command: task.command,
    cwd: task.cwd,
    session: task.session,
    state: task.state,
    exitCode: task.exitCode,
    signal: task.signal,
    reason: task.reason,
    durationMs: task.durationMs,
    endedAt: task.endedAt,
    tail,
    notify: task.notify,
    trigger: task.trigger,
  };
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record as Omit<Completion, 'seq'>;
}
