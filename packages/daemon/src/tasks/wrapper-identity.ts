import { bootId, type ProcStat } from '../runtime/proc.js';
import type { TaskRow, TaskStore } from '../store/task-store.js';
import { definedFields } from './task-view.js';

/**
 * Records in task `row`'s row the identity of its wrapper, the process that
 * runs its command: `pid`; `pgid` = pid (the wrapper leads its own process
 * group and session); `startTicks` from `stat` and the current boot id, which
 * tell the wrapper from a process that later reuses its pid; `startedAt`
 * (ms since epoch), the `deadlineAt` of its timeout and the `expiresAt` of its TTL. A `starting` task
 * becomes `running`; another state is kept. Used by the start of a task
 * (task-start.ts) and by recovery at start-up when a previous daemon died
 * before recording it (task-recovery.ts; docs/design.md, "Recovery at start-up").
 * @param stat `/proc/<pid>/stat` of the wrapper; undefined when it could not be read (no start time recorded).
 * @returns the row as stored now: `row` with the recorded fields (not read back, issue 13: the update is one
 *   synchronous statement, so nothing changes the row in between), or `row` itself when no row has its id.
 */
export function recordWrapperIdentity(
  store: TaskStore,
  row: TaskRow,
  pid: number,
  stat: ProcStat | undefined,
  startedAt: number,
): TaskRow {
  const patch: Partial<TaskRow> = {
    state: row.state === 'starting' ? 'running' : row.state,
    pid,
    pgid: pid,
    startTicks: stat?.startTicks,
    bootId: bootId(),
    startedAt,
    deadlineAt: row.timeoutMs !== undefined ? startedAt + row.timeoutMs : undefined,
    // A restarted run keeps the first run's TTL: it counts from the task's start (task/restart clears it).
    expiresAt: row.expiresAt ?? (row.ttlMs !== undefined ? startedAt + row.ttlMs : undefined),
  };
  if (!store.update(row.id, patch)) return row;
  // As the store reads it back: a cleared (undefined) column is an absent field.
  return definedFields({ ...row, ...patch }) as TaskRow;
}
