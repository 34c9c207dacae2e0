import { statSync } from 'node:fs';
import { isTerminal, type ResultOf, type SignalName, type Task, type TaskGet } from '@tend/protocol';
import { type ProcStat, readProcStat } from '../runtime/proc.js';
import type { TaskRow } from '../store/task-store.js';

/**
 * The protocol's view of a row: ISO times, `durationMs` (so far, or total), and
 * for a live task, or an ended one whose leftovers still run, the current size
 * of its log (a stat; other ended tasks use the size stored when they ended).
 * A live task also reads its wrapper's /proc state (one read) for `stopped`.
 * Absent fields are omitted.
 * @param known what the caller has just read itself, used instead of reading it again (task/run, right after
 *   the spawn: the wrapper's stat and the log's size, issue 13): `procStat`, the wrapper's `/proc/<pid>/stat`
 *   (undefined: it could not be read); `logBytes`, the size of output.log in bytes.
 */
export function toTask(
  row: TaskRow,
  now = Date.now(),
  known?: { procStat?: ProcStat | undefined; logBytes?: number },
): Task {
  const ended = isTerminal(row.state);
  const leftovers =
    row.leftoverCount !== undefined && row.leftoverCount > 0
      ? { count: row.leftoverCount, running: row.leftoversRunning === true }
      : undefined;
  // Field order as docs/protocol.md lists it ("The task object"); undefined fields are dropped below.
  const task: Record<string, unknown> = {
    id: row.id,
    name: row.name,
    project: row.project,
    command: row.command,
    cwd: row.cwd,
    env: row.env,
    inheritEnv: row.inheritEnv,
    capturedEnvCount: row.capturedEnv !== undefined ? Object.keys(row.capturedEnv).length : undefined,
    umask: row.umask !== undefined ? row.umask.toString(8).padStart(4, '0') : undefined,
    tty: row.tty ? true : undefined,
    description: row.description,
    notify: row.notify === false ? false : undefined,
    trigger: row.trigger ? true : undefined,
    session: row.session,
    state: row.state,
    reason: row.reason,
    stopped: !ended && isStopped(row, known) ? true : undefined,
    // A restarting task has no process: its last run's pid is not shown.
    pid: row.state === 'restarting' ? undefined : row.pid,
    pgid: row.state === 'restarting' ? undefined : row.pgid,
    containment: row.containment ?? 'group',
    cgroup: row.cgroup,
    exitCode: row.exitCode,
    signal: row.signal as SignalName | undefined,
    leftovers,
    createdAt: iso(row.createdAt),
    startedAt: row.startedAt !== undefined ? iso(row.startedAt) : undefined,
    endedAt: row.endedAt !== undefined ? iso(row.endedAt) : undefined,
    durationMs: row.startedAt !== undefined ? Math.max(0, (row.endedAt ?? now) - row.startedAt) : undefined,
    timeoutMs: row.timeoutMs,
    lifetime: row.lifetime === 'session' ? 'session' : undefined,
    ttlMs: row.ttlMs,
    expiresAt: row.expiresAt !== undefined ? iso(row.expiresAt) : undefined,
    outputBytes: ended && !leftovers?.running ? row.outputBytes : (known?.logBytes ?? fileSize(row.logPath)),
    droppedBytes: row.droppedBytes > 0 ? row.droppedBytes : undefined,
    outputCapBytes: row.outputCap,
    logPath: row.logPath,
    memoryMaxBytes: row.memoryMaxBytes,
    pidsMax: row.pidsMax,
    restarts: row.restarts ?? 0,
    restart: row.restart,
    restartAt: row.state === 'restarting' && row.restartAt !== undefined ? iso(row.restartAt) : undefined,
  };
  return definedFields(task) as Task;
}

/**
 * A copy of `record` without its undefined fields (as JSON and the store leave them out). Copied rather than
 * `delete`d: deleting keys turns an object into a slow dictionary, which JSON.stringify then walks ~2× slower
 * (task/list of 100: 0.65 → 0.3 ms, issue 13).
 */
export function definedFields<T extends object>(record: T): Partial<T> {
  const defined: Partial<T> = {};
  for (const key in record) if (record[key] !== undefined) defined[key] = record[key];
  return defined;
}

/**
 * Whether task `row`'s wrapper is stopped by a signal (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU): state `T` in
 * /proc/<pid>/stat (proc(5)), with the row's start time (not a process that took over the pid). A signal
 * sent to the task reaches its whole group, so the wrapper stands for the task. `known.procStat`, when the key is
 * there, is that stat as the caller read it.
 */
function isStopped(row: TaskRow, known?: { procStat?: ProcStat | undefined }): boolean {
  if (row.pid === undefined || row.startTicks === undefined) return false;
  const stat = known !== undefined && 'procStat' in known ? known.procStat : readProcStat(row.pid);
  return stat?.state === 'T' && stat.startTicks === row.startTicks;
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
