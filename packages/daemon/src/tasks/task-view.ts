import { statSync } from 'node:fs';
import { isTerminal, type SignalName, type Task } from '@tend/protocol';
import type { TaskRow } from '../store/task-store.js';

/**
 * The protocol's view of a row: ISO times, `durationMs` (so far, or total), and
 * for a live task the current size of its log (a stat; ended tasks use the
 * size stored when they ended). Absent fields are omitted.
 */
export function toTask(row: TaskRow, now = Date.now()): Task {
  const ended = isTerminal(row.state);
  const task: Task = {
    id: row.id,
    command: row.command,
    cwd: row.cwd,
    env: row.env,
    inheritEnv: row.inheritEnv,
    state: row.state,
    createdAt: iso(row.createdAt),
    outputBytes: ended ? row.outputBytes : fileSize(row.logPath),
    logPath: row.logPath,
  };
  if (row.name !== undefined) task.name = row.name;
  if (row.session !== undefined) task.session = row.session;
  if (row.reason !== undefined) task.reason = row.reason;
  if (row.pid !== undefined) task.pid = row.pid;
  if (row.pgid !== undefined) task.pgid = row.pgid;
  if (row.exitCode !== undefined) task.exitCode = row.exitCode;
  if (row.signal !== undefined) task.signal = row.signal as SignalName;
  if (row.startedAt !== undefined) {
    task.startedAt = iso(row.startedAt);
    task.durationMs = Math.max(0, (row.endedAt ?? now) - row.startedAt);
  }
  if (row.endedAt !== undefined) task.endedAt = iso(row.endedAt);
  if (row.timeoutMs !== undefined) task.timeoutMs = row.timeoutMs;
  if (row.outputStart > 0) task.droppedBytes = row.outputStart;
  if (row.outputCap !== undefined) task.outputCapBytes = row.outputCap;
  return task;
}

/** Size of the file at `path` in bytes; 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
