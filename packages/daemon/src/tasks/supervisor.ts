import { EventEmitter } from 'node:events';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  isTerminal,
  TERMINATING_SIGNALS,
  type Completion,
  type ParsedParamsOf,
  type ResultOf,
  type SignalName,
  type Task,
  type TaskGet,
  type TaskList,
  type TaskRun,
} from '@tend/protocol';
import { TendDaemonError } from '../errors.js';
import { diskFullError, isDiskFull } from '../runtime/disk-full.js';
import { bootId, readProcStat } from '../runtime/proc.js';
import type { CompletionStore } from '../store/completion-store.js';
import type { CursorStore } from '../store/cursor-store.js';
import type { RetentionStore } from '../store/retention-store.js';
import { NameTakenError, type StopCause, type TaskRow, type TaskStore } from '../store/task-store.js';
import { endState, type TaskEnd } from './end-state.js';
import { readExitRecord, reserveExitRecord } from './exit-record.js';
import { checkTaskName, newTaskId, resolveTask } from './ids.js';
import { completionOf } from './completion-record.js';
import { lastLines } from './output-tail.js';
import { PendingEnds } from './pending-ends.js';
import { spawnTask } from './spawn.js';
import { removeTaskFolder } from './task-folder.js';
import { signalTask } from './task-signal.js';
import { TaskStopper } from './task-stopper.js';
import type { TaskTimers } from './task-timers.js';
import { fileSize, toTask, toTaskDetail } from './task-view.js';
import { wrapperGone } from './orphaned-task.js';

/** Settings of a {@link TaskSupervisor}. */
export interface SupervisorOptions {
  store: TaskStore;
  /** `<state>/tasks`: one directory per task. */
  tasksDir: string;
  /** Shell that runs commands (`$SHELL`, else /bin/sh). */
  shell: string;
  logger: Logger;
  /** Grace between SIGTERM and SIGKILL for timeouts and shutdowns, in ms. */
  graceMs: number;
  /** Default output cap of a task, in bytes. */
  outputCapBytes: number;
  /** Durable read cursors (task/output since last). */
  cursors: CursorStore;
  /** The completion inbox. */
  completions: CompletionStore;
  /** Deletes ended tasks with everything recorded about them. */
  retention: RetentionStore;
  /** Most live tasks at once (config `maxLiveTasks`); unlimited when absent. */
  maxLiveTasks?: number;
}

/** Events: `change` after every state change of a task (and its removal). */
export interface SupervisorEvents {
  change: [task: Task, removed: boolean];
  /** After a task's end is committed, with its completion (and seq). */
  exit: [completion: Completion];
  /** The wrapper of a live task ended without an exit record while processes of the task still run: watch them. */
  orphaned: [row: TaskRow];
}

/** Params of {@link TaskSupervisor.run}: task/run's, plus the session of the client that asked. */
export type RunRequest = ParsedParamsOf<typeof TaskRun> & { session?: string };

/**
 * Owns the lifecycle of every task (DESIGN.md, "Process model"): inserts the
 * row before any side effect, spawns the wrapper, records its identity, ends the
 * task when its wrapper exits (own children) or when the watchdog sees it gone
 * (adopted ones), enforces timeouts, and stops tasks by process group.
 */
export class TaskSupervisor extends EventEmitter<SupervisorEvents> {
  readonly store: TaskStore;
  readonly cursors: CursorStore;
  readonly completions: CompletionStore;
  private readonly endWaiters = new Map<string, Set<(task: Task) => void>>();
  private readonly logFiles = new Map<string, { dev: number; ino: number }>();
  readonly stopper: TaskStopper;
  /** Task ends not yet written because the disk was full. */
  readonly pendingEnds: PendingEnds;

  constructor(readonly options: SupervisorOptions) {
    super();
    this.store = options.store;
    this.cursors = options.cursors;
    this.completions = options.completions;
    this.pendingEnds = new PendingEnds(options.logger);
    this.stopper = new TaskStopper({
      store: this.store,
      logger: options.logger,
      graceMs: options.graceMs,
      changed: (id) => this.changed(id),
    });
  }

  /** Timeout and SIGKILL-escalation timers of every task. */
  get timers(): TaskTimers {
    return this.stopper.timers;
  }

  /** Paths of task `id`'s directory, output log and exit record. */
  taskFiles(id: string): { dir: string; logPath: string; exitPath: string } {
    const dir = join(this.options.tasksDir, id);
    return { dir, logPath: join(dir, 'output.log'), exitPath: join(dir, 'exit') };
  }

  /** Device and inode of the output.log this daemon created for task `id` (undefined for tasks it adopted). */
  logIdentity(id: string): { dev: number; ino: number } | undefined {
    return this.logFiles.get(id);
  }

  /**
   * Starts a task and returns it `running` (or `failed` with a reason when its
   * process could not be started).
   * @throws TendDaemonError invalid_cwd when cwd is missing or not a directory,
   *   invalid_name when the name is another task's id, name_in_use when a live task has the name,
   *   limit_exceeded when `maxLiveTasks` tasks are live (a reused task does not count as new), disk_full
   *   when the state directory's filesystem has no room for the task's row and exit record.
   */
  async run(request: RunRequest): Promise<ResultOf<typeof TaskRun>> {
    checkCwd(request.cwd);
    checkTaskName(this.store, request.name);
    if (request.reuse && request.name !== undefined) {
      const existing = this.reusable(request);
      if (existing) return existing;
    }
    this.checkLiveLimit();
    const now = Date.now();
    let row: TaskRow | undefined;
    for (let attempt = 0; row === undefined; attempt++) {
      const id = newTaskId();
      // An id equal to a live task's name would be shadowed by it (names resolve first): draw again.
      if ((this.store.get(id) || this.store.byName(id)) && attempt < 5) continue;
      row = {
        id,
        command: request.command,
        cwd: request.cwd,
        env: request.env,
        inheritEnv: request.inheritEnv,
        ...(request.capturedEnv !== undefined ? { capturedEnv: request.capturedEnv } : {}),
        ...(request.umask !== undefined ? { umask: parseInt(request.umask, 8) } : {}),
        ...(request.tty ? { tty: true } : {}),
        state: 'starting',
        createdAt: now,
        logPath: this.taskFiles(id).logPath,
        outputBytes: 0,
        outputStart: 0,
        outputCap: request.outputCapBytes ?? this.options.outputCapBytes,
        ...(request.name !== undefined ? { name: request.name } : {}),
        ...(request.session !== undefined ? { session: request.session } : {}),
        ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      };
    }
    const files = this.taskFiles(row.id);
    this.reserveTaskFiles(row.id, files);
    try {
      this.store.insert(row);
    } catch (error) {
      // No row, no task: its reserved files go too.
      removeTaskFolder(this.options.tasksDir, row.id);
      if (isDiskFull(error)) throw diskFullError(this.options.tasksDir, error);
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
    this.changed(row.id);
    try {
      mkdirSync(files.dir, { recursive: true, mode: 0o700 });
      const { pid, subprocess, log } = await spawnTask({
        exitPath: files.exitPath,
        logPath: files.logPath,
        shell: this.options.shell,
        taskId: row.id,
        command: row.command,
        cwd: row.cwd,
        env: row.env,
        inheritEnv: row.inheritEnv,
        capturedEnv: row.capturedEnv,
        umask: row.umask,
        tty: row.tty === true,
      });
      this.logFiles.set(row.id, log);
      subprocess.on('exit', (code, signal) => this.onChildExit(row.id, code, signal as SignalName | null));
      const startedAt = Date.now();
      const stat = readProcStat(pid);
      this.store.update(row.id, {
        state: 'running',
        pid,
        pgid: pid,
        startTicks: stat?.startTicks,
        bootId: bootId(),
        startedAt,
        deadlineAt: row.timeoutMs !== undefined ? startedAt + row.timeoutMs : undefined,
      });
      this.options.logger.info({ task: row.id, pid, command: row.command }, 'task started');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ task: row.id, err: error }, 'task could not be started');
      // Ended like any task (completion and didExit included): failed, with no exit status, and why.
      this.store.update(row.id, { reason: `spawn error: ${message}` });
      this.finish(row.id, { endedAt: Date.now() });
      return toTask(this.store.get(row.id) as TaskRow);
    }
    const started = this.store.get(row.id) as TaskRow;
    this.timers.schedule(started);
    return this.changed(row.id) as Task;
  }

  /** @throws TendDaemonError limit_exceeded when `maxLiveTasks` tasks are live. */
  private checkLiveLimit(): void {
    const limit = this.options.maxLiveTasks;
    if (limit === undefined) return;
    const live = this.store.liveCount();
    if (live < limit) return;
    throw new TendDaemonError(
      'limit_exceeded',
      `${live} tasks are live, the limit (maxLiveTasks in config.json is ${limit}); stop or wait for some, or raise the limit`,
      { limit, live },
    );
  }

  /**
   * Creates the task's directory and reserves the room its exit record needs,
   * so that the wrapper can write it even when the disk fills up meanwhile.
   * Other failures are left to the spawn, which ends the task `failed` saying why.
   * @throws TendDaemonError disk_full when there is no room for it.
   */
  private reserveTaskFiles(id: string, files: { dir: string; exitPath: string }): void {
    try {
      mkdirSync(files.dir, { recursive: true, mode: 0o700 });
      reserveExitRecord(files.exitPath);
    } catch (error) {
      if (!isDiskFull(error)) return;
      removeTaskFolder(this.options.tasksDir, id);
      throw diskFullError(this.options.tasksDir, error);
    }
  }

  /**
   * The live task named `request.name` when it runs the same command in the
   * same cwd (reuse), or undefined when there is none.
   * @throws TendDaemonError name_in_use when it runs another command or elsewhere.
   */
  private reusable(request: RunRequest): ResultOf<typeof TaskRun> | undefined {
    const live = this.store.byName(request.name as string);
    if (!live || isTerminal(live.state)) return undefined;
    if (live.command !== request.command || live.cwd !== request.cwd) {
      throw new TendDaemonError(
        'name_in_use',
        `a live task named "${live.name}" (${live.id}) runs \`${live.command}\` in ${live.cwd}, not \`${request.command}\` ` +
          `in ${request.cwd}; stop it first, or pick another name`,
        { name: live.name, id: live.id, command: live.command, cwd: live.cwd },
      );
    }
    return { ...toTask(live), reused: true };
  }

  /** @throws TendDaemonError task_not_found, ambiguous_id */
  get(ref: string, withEnv = false): ResultOf<typeof TaskGet> {
    return toTaskDetail(resolveTask(this.store, ref), withEnv);
  }

  /** Tasks matching the filter, newest first. */
  list(filter: ParsedParamsOf<typeof TaskList>): Task[] {
    const now = Date.now();
    return this.store
      .list({
        states: filter.state,
        name: filter.name,
        cwd: filter.cwd,
        session: filter.session,
        limit: filter.limit,
      })
      .map((row) => toTask(row, now));
  }

  /**
   * Signals the task's process group. A terminating signal records the intent
   * first (`stopping`, cause and reason committed before any signal), then
   * escalates to SIGKILL after `graceMs`.
   * @throws TendDaemonError task_not_found, ambiguous_id, not_running (already ended)
   */
  kill(ref: string, signal: SignalName, graceMs: number, cause: StopCause = 'user'): Task {
    const row = resolveTask(this.store, ref);
    if (isTerminal(row.state)) {
      throw new TendDaemonError('not_running', `task ${row.id} has already ended (${row.state})`, {
        id: row.id,
        state: row.state,
      });
    }
    if ((TERMINATING_SIGNALS as readonly string[]).includes(signal)) this.stop(row, signal, graceMs, cause);
    else this.signalGroup(row, signal);
    return toTask(this.store.get(row.id) ?? row);
  }

  /**
   * Waits until the task ends, `timeoutMs` passes, or `abort` fires (the
   * client went away; the promise then resolves as a timeout nobody reads).
   * @throws TendDaemonError task_not_found, ambiguous_id
   */
  wait(
    ref: string,
    timeoutMs: number | undefined,
    abort?: AbortSignal,
  ): Promise<{ outcome: 'exited' | 'timeout'; task: Task }> {
    const row = resolveTask(this.store, ref);
    if (isTerminal(row.state)) return Promise.resolve({ outcome: 'exited', task: toTask(row) });
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (outcome: 'exited' | 'timeout', task?: Task) => {
        this.endWaiters.get(row.id)?.delete(onEnd);
        if (timer) clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
        resolve({ outcome, task: task ?? this.currentTask(row.id, row) });
      };
      const onEnd = (task: Task) => done('exited', task);
      const onAbort = () => done('timeout');
      if (!this.endWaiters.has(row.id)) this.endWaiters.set(row.id, new Set());
      this.endWaiters.get(row.id)?.add(onEnd);
      if (timeoutMs !== undefined)
        timer = setTimeout(() => done('timeout'), Math.min(timeoutMs, 2 ** 31 - 1));
      abort?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Deletes an ended task with every trace of it (see {@link forget}). With `force`, a live task is first
   * SIGKILLed (as a whole group) and its end awaited.
   * @throws TendDaemonError task_live (live, no force), task_not_found, ambiguous_id
   */
  async remove(ref: string, force: boolean): Promise<Task> {
    let row = resolveTask(this.store, ref);
    if (!isTerminal(row.state)) {
      if (!force) {
        throw new TendDaemonError(
          'task_live',
          `task ${row.id} is ${row.state}; stop it first, or remove it with force`,
          {
            id: row.id,
          },
        );
      }
      const ended = this.wait(row.id, 10_000);
      this.stop(row, 'SIGKILL', 0, 'remove');
      const { outcome } = await ended;
      if (outcome !== 'exited') {
        throw new TendDaemonError(
          'signal_failed',
          `task ${row.id} did not end within 10 s of SIGKILL; not removed`,
          { id: row.id },
        );
      }
      row = this.store.get(row.id) ?? row;
    }
    const task = toTask(row);
    this.forget(row);
    return task;
  }

  /**
   * Deletes every trace of ended task `row`: its row, completions (inbox),
   * acknowledgements, read cursors and its folder; emits `change` (removed).
   * A task that is live or already gone is left alone.
   * @returns bytes of disk freed, or undefined when nothing was deleted.
   */
  forget(row: TaskRow): number | undefined {
    if (!this.options.retention.forget(row.id)) return undefined;
    let bytes = 0;
    try {
      bytes = removeTaskFolder(this.options.tasksDir, row.id);
    } catch (error) {
      this.options.logger.warn({ task: row.id, err: error }, 'task folder not removed');
    }
    this.emit('change', toTask(row), true);
    return bytes;
  }

  /**
   * Ends task `id` with `end` (no-op when it has already ended); resolves its
   * waiters. A stopped task's leftovers (grandchildren that outlived the
   * wrapper) are SIGKILLed with it — only those provably the task's
   * (signalTask), never a process that took over its pid or group id. When the
   * disk is full the end is kept in memory ({@link PendingEnds}) and written,
   * with its waiters and events, as soon as there is room; until then the task
   * reads as it was.
   */
  finish(id: string, end: TaskEnd): void {
    if (this.pendingEnds.has(id)) return;
    const row = this.store.get(id);
    if (!row || isTerminal(row.state)) return;
    // Wrapper gone without a record right after tend SIGKILLed its group: that was the end.
    const sigkilled = this.stopper.takeSigkilled(id);
    if (end.lostReason !== undefined && row.state === 'stopping' && sigkilled) {
      end = { signal: 'SIGKILL', endedAt: end.endedAt };
    }
    this.timers.clear(id);
    if (row.state === 'stopping') signalTask(row, 'SIGKILL');
    // With the disk full the write is kept and retried; waiters and events follow it.
    const final = end;
    this.pendingEnds.attempt(id, () => this.commitEnd(id, final));
  }

  /** Writes task `id`'s end and completion in one transaction, then tells waiters and listeners. */
  private commitEnd(id: string, end: TaskEnd): void {
    const row = this.store.get(id);
    if (!row || isTerminal(row.state)) return;
    const state = endState(row, end);
    const completion = this.store.transaction(() => {
      this.store.update(id, {
        state,
        exitCode: end.exitCode,
        signal: end.signal,
        endedAt: end.endedAt,
        killAt: undefined,
        outputBytes: fileSize(row.logPath),
        ...(end.lostReason !== undefined && row.reason === undefined ? { reason: end.lostReason } : {}),
      });
      const ended = toTask(this.store.get(id) as TaskRow);
      const record = completionOf(ended, lastLines(row.logPath, row.outputStart));
      return { seq: this.completions.record(record), ...record };
    });
    this.options.logger.info(
      { task: id, state, exitCode: end.exitCode, signal: end.signal, seq: completion.seq },
      'task ended',
    );
    const task = this.changed(id) as Task;
    this.emit('exit', completion);
    for (const waiter of this.endWaiters.get(id) ?? []) waiter(task);
    this.endWaiters.delete(id);
    this.logFiles.delete(id);
  }

  /** Ends task `id` from its exit record if there is one; returns whether it did. */
  finishFromRecord(id: string): boolean {
    const record = readExitRecord(this.taskFiles(id).exitPath);
    if (!record) return false;
    this.finish(id, {
      ...(record.signal ? { signal: record.signal } : { exitCode: record.status }),
      endedAt: record.endedAt,
    });
    return true;
  }

  /** Records the stop intent, signals the group, schedules SIGKILL (see TaskStopper.stop). */
  stop(row: TaskRow, signal: SignalName, graceMs: number, cause: StopCause): void {
    this.stopper.stop(row, signal, graceMs, cause);
  }

  /** Signals the task's group if its wrapper is still the row's process (see TaskStopper.signalGroup). */
  signalGroup(row: TaskRow, signal: SignalName): boolean {
    return this.stopper.signalGroup(row, signal);
  }

  private onChildExit(id: string, code: number | null, signal: SignalName | null): void {
    // No record: the wrapper itself was killed (SIGKILL) or failed before writing it.
    wrapperGone(this, id, {
      ...(signal ? { signal } : { exitCode: code ?? undefined }),
      endedAt: Date.now(),
    });
  }

  private currentTask(id: string, fallback: TaskRow): Task {
    return toTask(this.store.get(id) ?? fallback);
  }

  /** Emits `change` for task `id` and returns it. */
  private changed(id: string): Task | undefined {
    const row = this.store.get(id);
    if (!row) return undefined;
    const task = toTask(row);
    this.emit('change', task, false);
    return task;
  }
}

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
