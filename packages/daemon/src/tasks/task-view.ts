import { statSync } from 'node:fs';
import { isTerminal, type ResultOf, type SignalName, type Task, type TaskGet } from '@tend/protocol';
import type { TaskRow } from '../store/task-store.js';

/**
 * The protocol's view of a row: ISO times, `durationMs` (so far, or total), and
 * for a live task the current size of its log (a stat; ended tasks use the
 * size stored when they ended). Absent fields are omitted.
 */
export function toTask(row: TaskRow, now = Date.now()): Task {
  const ended = isTerminal(row.state);
  // Field order as docs/protocol.md lists it ("The task object"); undefined fields are dropped below.
  const task: Record<string, unknown> = {
    id: row.id,
    name: row.name,
    command: row.command,
    cwd: row.cwd,
    env: row.env,
    inheritEnv: row.inheritEnv,
    capturedEnvCount: row.capturedEnv !== undefined ? Object.keys(row.capturedEnv).length : undefined,
    umask: row.umask !== undefined ? row.umask.toString(8).padStart(4, '0') : undefined,
    tty: row.tty ? true : undefined,
    session: row.session,
    state: row.state,
    reason: row.reason,
    pid: row.pid,
    pgid: row.pgid,
    containment: row.containment ?? 'group',
    cgroup: row.cgroup,
    exitCode: row.exitCode,
    signal: row.signal as SignalName | undefined,
    createdAt: iso(row.createdAt),
    startedAt: row.startedAt !== undefined ? iso(row.startedAt) : undefined,
    endedAt: row.endedAt !== undefined ? iso(row.endedAt) : undefined,
    durationMs: row.startedAt !== undefined ? Math.max(0, (row.endedAt ?? now) - row.startedAt) : undefined,
    timeoutMs: row.timeoutMs,
    outputBytes: ended ? row.outputBytes : fileSize(row.logPath),
    droppedBytes: row.droppedBytes > 0 ? row.droppedBytes : undefined,
    outputCapBytes: row.outputCap,
    logPath: row.logPath,
  };
  for (const key of Object.keys(task)) if (task[key] === undefined) delete task[key];
  return task as Task;
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

/**
 * {@link toTask} plus what task/get adds: the names of the captured variables
 * (sorted) and, only when `withEnv`, their values (they may hold secrets).
 */
export function toTaskDetail(row: TaskRow, withEnv: boolean, now = Date.now()): ResultOf<typeof TaskGet> {
  const task: ResultOf<typeof TaskGet> = toTask(row, now);
  if (row.capturedEnv === undefined) return task;
  return {
    ...task,
    capturedEnvNames: Object.keys(row.capturedEnv).sort(),
    ...(withEnv ? { capturedEnv: row.capturedEnv } : {}),
  };
}
