import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  InvalidParamsError,
  isTerminal,
  type ParsedParamsOf,
  type ResultOf,
  type SignalName,
  TaskRun,
} from '@tend/protocol';
import { TendDaemonError } from '../errors.js';
import { diskFullError, isDiskFull } from '../runtime/disk-full.js';
import { taskCgroupName } from '../runtime/cgroup.js';
import { type ProcStat, readProcStat } from '../runtime/proc.js';
import { NameTakenError, type TaskRow, type TaskStore } from '../store/task-store.js';
import { reserveExitRecord } from './exit-record.js';
import { resolveRestartPolicy } from './restart-policy.js';
import { checkTaskName, newTaskId } from './ids.js';
import { wrapperGone } from './orphaned-task.js';
import { SpareTaskFolder } from './spare-folder.js';
import { spawnTask } from './spawn.js';
import type { TaskEnder } from './task-end.js';
import { applyTaskLimits, limitsContainmentOf, limitsOf, prepareTaskLimits } from './task-limits.js';
import type { TaskContext } from './task-events.js';
import { createTaskCgroup, makeTaskDir, removeTaskFolder, taskFiles } from './task-folder.js';
import type { TaskTimers } from './task-timers.js';
import { toTask } from './task-view.js';
import { recordWrapperIdentity } from './wrapper-identity.js';

/** Params of {@link TaskStarter.run}: task/run's, plus the session of the client that asked. */
export type RunRequest = ParsedParamsOf<typeof TaskRun> & { session?: string };

/** Settings of a {@link TaskStarter}. */
export interface StartOptions {
  /** Shell that runs commands (`$SHELL`, else /bin/sh). */
  shell: string;
  /** Default output cap of a task, in bytes. */
  outputCapBytes: number;
  /** Default of task/run `killLeftovers` (config `killLeftovers`; false when absent). */
  killLeftovers?: boolean;
  /** Most live tasks at once (config `maxLiveTasks`); unlimited when absent. */
  maxLiveTasks?: number;
  /**
   * The daemon's environment, which tasks with inheritEnv start from: a plain copy of `process.env` made at
   * start-up (the daemon does not change its environment after that); absent: `process.env` at each spawn.
   */
  daemonEnv?: Readonly<Record<string, string | undefined>>;
}

/**
 * Starts tasks (docs/design.md, "Process model"): inserts the row before any
 * side effect, reserves the exit record's room, spawns the wrapper, records
 * its identity and arms its timeout. Its own children's exit events go to
 * {@link wrapperGone}, which ends the task through the {@link TaskEnder}.
 */
export class TaskStarter {
  /** Device and inode of each output.log this daemon created, until its task ends. */
  private readonly logFiles = new Map<string, { dev: number; ino: number }>();
  /** The folder the next task/run renames into place instead of making its own (spare-folder.ts). */
  private readonly spare: SpareTaskFolder;

  constructor(
    private readonly context: TaskContext,
    private readonly ender: TaskEnder,
    private readonly timers: TaskTimers,
    private readonly options: StartOptions,
  ) {
    context.events.on('exit', (completion) => this.logFiles.delete(completion.taskId));
    this.spare = new SpareTaskFolder(context.tasksDir);
  }

  /** Device and inode of the output.log this daemon created for task `id` (undefined for tasks it adopted). */
  logIdentity(id: string): { dev: number; ino: number } | undefined {
    return this.logFiles.get(id);
  }

  /**
   * task/run: starts a task and returns it `running` (or `failed` with a reason when its
   * process could not be started).
   * @throws InvalidParamsError when `lifetime` is "session" without a session;
   *   TendDaemonError invalid_cwd when cwd is missing or not a directory,
   *   invalid_name when the name is another task's id, name_in_use when a live task has the name,
   *   limit_exceeded when `maxLiveTasks` tasks are live (a reused task does not count as new),
   *   limit_unavailable when memoryMaxBytes or pidsMax cannot be enforced (no task is created), disk_full
   *   when the state directory's filesystem has no room for the task's row and exit record.
   */
  async run(request: RunRequest): Promise<ResultOf<typeof TaskRun>> {
    try {
      return await this.start(request);
    } finally {
      // After the reply: the next task/run's folder (when this one took it, or none was made yet).
      this.spare.refill();
    }
  }

  /** {@link run} without the spare folder's refill. */
  private async start(request: RunRequest): Promise<ResultOf<typeof TaskRun>> {
    const { store, tasksDir } = this.context;
    checkLifetime(request);
    checkCwd(request.cwd);
    checkTaskName(store, request.name);
    // Before the row: a limit that cannot be enforced creates no task.
    prepareTaskLimits(limitsOf(request), limitsContainmentOf(this.context.containment));
    if (request.reuse && request.name !== undefined) {
      const existing = this.reusable(request);
      if (existing) return existing;
    }
    checkLiveLimit(this.context.store, this.options.maxLiveTasks);
    const row = this.newRow(request);
    const reserveError = this.reserveTaskFiles(row.id, taskFiles(tasksDir, row.id));
    try {
      store.insert(row);
    } catch (error) {
      // No row, no task: its reserved files go too.
      removeTaskFolder(tasksDir, row.id);
      if (isDiskFull(error)) throw diskFullError(tasksDir, error);
      if (error instanceof NameTakenError) {
        // Two reusing clients raced: the one that lost gets the winner's task.
        const existing = request.reuse ? this.reusable(request) : undefined;
        if (existing) return existing;
        throw new TendDaemonError('name_in_use', `${error.message}; stop it, or pick another name`, {
          name: request.name,
        });
      }
      throw error;
    }
    // Its `starting` change goes out with the `running` one, after the answer (see spawnRun).
    return this.spawnRun(row, reserveError, true);
  }

  /**
   * Starts the run of `starting` task `row`, whose folder and exit record's room are there: creates its
   * cgroup (containment cgroup; one already there, of an earlier run, is kept), applies its limits, spawns
   * its wrapper, records its identity and arms its timers. Used by task/run and by each restart
   * (task-restart.ts). Never throws: a run that cannot be started ends the task `failed` with
   * `spawn error: …` as its reason (its restart policy may then restart it).
   * The `change` events of the start (`starting` when given, then `running`) and the "task started" log
   * line come on the next tick, after the caller's reply is written (task/run answers from a chain of
   * promise callbacks, which run before it): they took ~0.4 ms and ~0.3 ms of task/run, and
   * after a fork every first write to a page of the daemon's memory faults (issue 13).
   * @param folderError why the task's folder could not be made, if it could not.
   * @param announceStarting true (task/run): `row` is the task as just stored `starting`, and its first `change`
   *   is that, built when it is sent (from `row`, which nothing changes: no re-read, and no stat of the log,
   *   empty or not there when it was stored; issue 13).
   * @returns the task, `running` (or ended).
   */
  async spawnRun(
    row: TaskRow,
    folderError?: Error,
    announceStarting = false,
  ): Promise<ResultOf<typeof TaskRun>> {
    const emitStarting = () => {
      if (announceStarting)
        this.context.events.emit('change', toTask(row, undefined, { logBytes: 0 }), false);
    };
    const { store, events, logger } = this.context;
    const files = taskFiles(this.context.tasksDir, row.id);
    let running: TaskRow;
    // What the start read itself, for the answer (not read again, issue 13): the wrapper's stat, the log's size.
    let procStat: ProcStat | undefined;
    let outputBytes = 0;
    try {
      // The folder could not be made: the task fails saying why, as when its process cannot be started.
      if (folderError !== undefined) throw folderError;
      if (row.cgroup !== undefined) createTaskCgroup(row.cgroup);
      // CALL SITE of limits: right after the task's cgroup (row.cgroup) is created, before the wrapper joins it.
      // `row` is this run's stored row (inserted by task/run, or read by the restart): its limits and cgroup.
      applyTaskLimits(row);
      const { pid, subprocess, log, logBytes } = await spawnTask({
        exitPath: files.exitPath,
        logPath: files.logPath,
        shell: this.options.shell,
        taskId: row.id,
        command: row.command,
        cwd: row.cwd,
        env: row.env,
        inheritEnv: row.inheritEnv,
        ...(this.options.daemonEnv !== undefined ? { daemonEnv: this.options.daemonEnv } : {}),
        capturedEnv: row.capturedEnv,
        umask: row.umask,
        tty: row.tty === true,
        ...(row.cgroup !== undefined ? { cgroup: row.cgroup } : {}),
      });
      this.logFiles.set(row.id, log);
      subprocess.on('exit', (code, signal) => this.onChildExit(row.id, code, signal as SignalName | null));
      procStat = readProcStat(pid);
      outputBytes = logBytes;
      running = recordWrapperIdentity(store, store.get(row.id) ?? row, pid, procStat, Date.now());
    } catch (error) {
      emitStarting();
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ task: row.id, err: error }, 'task could not be started');
      // Ended like any task (completion and didExit included): failed, with no exit status, and why.
      store.update(row.id, { reason: `spawn error: ${message}` });
      this.ender.finish(row.id, { endedAt: Date.now() });
      return toTask(store.get(row.id) as TaskRow);
    }
    // The row as recordWrapperIdentity stored it: nothing ran in between that could change it.
    this.timers.schedule(running);
    const task = toTask(running, undefined, { procStat, logBytes: outputBytes });
    process.nextTick(() => {
      emitStarting();
      // As stored then: a request served before this tick (none is, as things are) may have changed it.
      const now = store.get(row.id);
      events.emit('change', now === undefined || now.state === running.state ? task : toTask(now), false);
      logger.info(
        { task: row.id, pid: running.pid, command: row.command, restarts: row.restarts ?? 0 },
        'task started',
      );
    });
    return task as ResultOf<typeof TaskRun>;
  }

  /** A new `starting` row for `request`, under a fresh id. */
  private newRow(request: RunRequest): TaskRow {
    const { store, tasksDir } = this.context;
    let id = newTaskId();
    // An id equal to a live task's name would be shadowed by it (names resolve first): draw again.
    for (let attempt = 0; (store.get(id) || store.byName(id)) && attempt < 5; attempt++) id = newTaskId();
    const containment = this.context.containment;
    const restart = resolveRestartPolicy(request.restart);
    return {
      ...(containment?.mode === 'cgroup'
        ? { containment: 'cgroup' as const, cgroup: join(containment.root, taskCgroupName(id)) }
        : { containment: 'marker' as const }),
      id,
      command: request.command,
      cwd: request.cwd,
      env: request.env,
      inheritEnv: request.inheritEnv,
      ...(request.capturedEnv !== undefined ? { capturedEnv: request.capturedEnv } : {}),
      ...(request.umask !== undefined ? { umask: parseInt(request.umask, 8) } : {}),
      ...(request.tty ? { tty: true } : {}),
      ...(request.description !== undefined ? { description: request.description } : {}),
      ...(request.notify === false ? { notify: false } : {}),
      ...(request.trigger ? { trigger: true } : {}),
      state: 'starting',
      createdAt: Date.now(),
      logPath: taskFiles(tasksDir, id).logPath,
      outputBytes: 0,
      droppedBytes: 0,
      outputCap: request.outputCapBytes ?? this.options.outputCapBytes,
      ...((request.killLeftovers ?? this.options.killLeftovers) ? { killLeftovers: true } : {}),
      ...(request.name !== undefined ? { name: request.name } : {}),
      ...(request.project !== undefined ? { project: request.project } : {}),
      ...(request.session !== undefined ? { session: request.session } : {}),
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      // Lifetime policies: expiresAt is set with startedAt (wrapper-identity.ts).
      ...(request.lifetime === 'session' ? { lifetime: 'session' as const } : {}),
      ...(request.ttlMs !== undefined ? { ttlMs: request.ttlMs } : {}),
      ...limitsOf(request),
      ...(restart !== undefined ? { restart, restarts: 0 } : {}),
    };
  }

  /**
   * Creates the task's directory and reserves the room its exit record needs,
   * so that the wrapper can write it even when the disk fills up meanwhile:
   * the spare folder renamed into place when one is ready (it holds both, and the empty log), else
   * a plain mkdir: `<state>/tasks` exists (made at start-up) and a new id's folder does not
   * (a recursive one was done twice per run before, ~0.7 ms of task/run with both, issue 13).
   * @returns undefined, or why the folder could not be made (the task then ends `failed` saying so).
   * @throws TendDaemonError disk_full when there is no room for it.
   */
  private reserveTaskFiles(id: string, files: { dir: string; exitPath: string }): Error | undefined {
    if (this.spare.take(files.dir)) return undefined;
    let made = false;
    try {
      makeTaskDir(files.dir);
      made = true;
      reserveExitRecord(files.exitPath);
      return undefined;
    } catch (error) {
      // Without its folder the task cannot start; without the reserve (another error than a full disk) it can.
      if (!isDiskFull(error)) return made ? undefined : (error as Error);
      removeTaskFolder(this.context.tasksDir, id);
      throw diskFullError(this.context.tasksDir, error);
    }
  }

  /**
   * The live task named `request.name` when it runs the same command in the
   * same cwd (reuse), or undefined when there is none.
   * @throws TendDaemonError name_in_use when it runs another command or elsewhere.
   */
  private reusable(request: RunRequest): ResultOf<typeof TaskRun> | undefined {
    const live = this.context.store.byProjectName(request.project, request.name as string);
    if (!live || isTerminal(live.state)) return undefined;
    if (live.command !== request.command || live.cwd !== request.cwd) {
      throw new TendDaemonError(
        'name_in_use',
        `a live task named "${live.name}"${live.project !== undefined ? ` of project ${live.project}` : ''} (${live.id}) runs \`${live.command}\` in ${live.cwd}, not \`${request.command}\` ` +
          `in ${request.cwd}; stop it first, or pick another name`,
        { name: live.name, id: live.id, command: live.command, cwd: live.cwd },
      );
    }
    return { ...toTask(live), reused: true };
  }

  private onChildExit(id: string, code: number | null, signal: SignalName | null): void {
    // No record: the wrapper itself was killed (SIGKILL) or failed before writing it.
    wrapperGone(this.ender, id, {
      ...(signal ? { signal } : { exitCode: code ?? undefined }),
      endedAt: Date.now(),
    });
  }
}

/**
 * A task with lifetime session ends with its session, so it needs one.
 * @throws InvalidParamsError (invalid_params) when `lifetime` is "session" and the caller gave no session.
 */
function checkLifetime(request: RunRequest): void {
  if (request.lifetime !== 'session' || request.session !== undefined) return;
  throw new InvalidParamsError(TaskRun.method, [
    'lifetime: "session" needs a session, and this client gave none in daemon/initialize: initialize with a ' +
      'session (tend: --session or $TEND_SESSION), or use lifetime "persistent"',
  ]);
}

/** @throws TendDaemonError invalid_cwd when `cwd` does not exist or is not a directory. */
function checkCwd(cwd: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch {
    throw new TendDaemonError('invalid_cwd', `cwd ${cwd} does not exist; give an existing directory`, {
      cwd,
    });
  }
  if (!isDir) throw new TendDaemonError('invalid_cwd', `cwd ${cwd} is not a directory`, { cwd });
}

/**
 * Refuses a new live task when `limit` tasks (config `maxLiveTasks`) are live; unlimited when undefined.
 * Used by task/run and by task/restart of an ended task.
 * @throws TendDaemonError limit_exceeded naming the count and the limit.
 */
export function checkLiveLimit(store: Pick<TaskStore, 'liveCount'>, limit: number | undefined): void {
  if (limit === undefined) return;
  const live = store.liveCount();
  if (live < limit) return;
  throw new TendDaemonError(
    'limit_exceeded',
    `${live} tasks are live, the limit (maxLiveTasks in config.json is ${limit}); stop or wait for some, or raise the limit`,
    { limit, live },
  );
}
