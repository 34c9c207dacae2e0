import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync, statSync } from 'node:fs';
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
  type TaskList,
  type TaskRun,
} from '@tend/protocol';
import { TendDaemonError } from '../errors.js';
import { bootId, groupExists, readProcStat } from '../runtime/proc.js';
import type { CompletionStore } from '../store/completion-store.js';
import type { CursorStore } from '../store/cursor-store.js';
import { NameTakenError, type StopCause, type TaskRow, type TaskStore } from '../store/task-store.js';
import { endState, type TaskEnd } from './end-state.js';
import { readExitRecord } from './exit-record.js';
import { checkTaskName, newTaskId, resolveTask } from './ids.js';
import { completionOf } from './completion-record.js';
import { lastLines } from './output-tail.js';
import { spawnTask } from './spawn.js';
import { safeKill, TaskStopper } from './task-stopper.js';
import type { TaskTimers } from './task-timers.js';
import { fileSize, toTask } from './task-view.js';

/** Settings of a {@link TaskSupervisor}. */
export interface SupervisorOptions {
  store: TaskStore;
  /** `<state>/tasks`: one directory per task. */
  tasksDir: string;
  wrapperPath: string;
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
}

/** Events: `change` after every state change of a task (and its removal). */
export interface SupervisorEvents {
  change: [task: Task, removed: boolean];
  /** After a task's end is committed, with its completion (and seq). */
  exit: [completion: Completion];
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
  readonly stopper: TaskStopper;

  constructor(readonly options: SupervisorOptions) {
    super();
    this.store = options.store;
    this.cursors = options.cursors;
    this.completions = options.completions;
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

  /**
   * Starts a task and returns it `running` (or `failed` with a reason when its
   * process could not be started).
   * @throws TendDaemonError invalid_cwd when cwd is missing or not a directory,
   *   invalid_name when the name is another task's id, name_in_use when a live task has the name.
   */
  async run(request: RunRequest): Promise<ResultOf<typeof TaskRun>> {
    checkCwd(request.cwd);
    checkTaskName(this.store, request.name);
    if (request.reuse && request.name !== undefined) {
      const existing = this.reusable(request);
      if (existing) return existing;
    }
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
    try {
      this.store.insert(row);
    } catch (error) {
      if (error instanceof NameTakenError) {
        // Two reusing clients raced: the one that lost gets the winner's task.
        const existing = request.reuse ? this.reusable(request) : undefined;
        if (existing) return existing;
        throw new TendDaemonError('name_in_use', `${error.message}; stop it, or pick another name`, { name: request.name });
      }
      throw error;
    }
    this.changed(row.id);
    const files = this.taskFiles(row.id);
    try {
      mkdirSync(files.dir, { recursive: true, mode: 0o700 });
      const { pid, subprocess } = await spawnTask({
        wrapperPath: this.options.wrapperPath,
        exitPath: files.exitPath,
        logPath: files.logPath,
        shell: this.options.shell,
        command: row.command,
        cwd: row.cwd,
        env: row.env,
        inheritEnv: row.inheritEnv,
      });
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
  get(ref: string): Task {
    return toTask(resolveTask(this.store, ref));
  }

  /** Tasks matching the filter, newest first. */
  list(filter: ParsedParamsOf<typeof TaskList>): Task[] {
    const now = Date.now();
    return this.store
      .list({ states: filter.state, name: filter.name, cwd: filter.cwd, session: filter.session, limit: filter.limit })
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
      throw new TendDaemonError('not_running', `task ${row.id} has already ended (${row.state})`, { id: row.id, state: row.state });
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
  wait(ref: string, timeoutMs: number | undefined, abort?: AbortSignal): Promise<{ outcome: 'exited' | 'timeout'; task: Task }> {
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
      if (timeoutMs !== undefined) timer = setTimeout(() => done('timeout'), Math.min(timeoutMs, 2 ** 31 - 1));
      abort?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Deletes an ended task's row and files. With `force`, a live task is first
   * SIGKILLed (as a whole group) and its end awaited.
   * @throws TendDaemonError task_live (live, no force), task_not_found, ambiguous_id
   */
  async remove(ref: string, force: boolean): Promise<Task> {
    let row = resolveTask(this.store, ref);
    if (!isTerminal(row.state)) {
      if (!force) {
        throw new TendDaemonError('task_live', `task ${row.id} is ${row.state}; stop it first, or remove it with force`, {
          id: row.id,
        });
      }
      const ended = this.wait(row.id, 10_000);
      this.stop(row, 'SIGKILL', 0, 'remove');
      const { outcome } = await ended;
      if (outcome !== 'exited') {
        throw new TendDaemonError('signal_failed', `task ${row.id} did not end within 10 s of SIGKILL; not removed`, { id: row.id });
      }
      row = this.store.get(row.id) ?? row;
    }
    this.store.delete(row.id);
    this.cursors.deleteTask(row.id);
    rmSync(this.taskFiles(row.id).dir, { recursive: true, force: true });
    const task = toTask(row);
    this.emit('change', task, true);
    return task;
  }

  /**
   * Ends task `id` with `end` (no-op when it has already ended); resolves its
   * waiters. A stopped task's leftovers (grandchildren that outlived the
   * wrapper) are SIGKILLed with it, but only when `leftovers` is true: when the
   * wrapper's end was just seen, so the process group id cannot have been
   * reused by an unrelated process.
   */
  finish(id: string, end: TaskEnd, options: { leftovers: boolean } = { leftovers: true }): void {
    const row = this.store.get(id);
    if (!row || isTerminal(row.state)) return;
    // Wrapper gone without a record right after tend SIGKILLed its group: that was the end.
    const sigkilled = this.stopper.takeSigkilled(id);
    if (end.lostReason !== undefined && row.state === 'stopping' && sigkilled) {
      end = { signal: 'SIGKILL', endedAt: end.endedAt };
    }
    const state = endState(row, end);
    this.timers.clear(id);
    if (options.leftovers && row.state === 'stopping' && row.pgid !== undefined && groupExists(row.pgid)) {
      safeKill(-row.pgid, 'SIGKILL');
    }
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
    this.options.logger.info({ task: id, state, exitCode: end.exitCode, signal: end.signal, seq: completion.seq }, 'task ended');
    const task = this.changed(id) as Task;
    this.emit('exit', completion);
    for (const waiter of this.endWaiters.get(id) ?? []) waiter(task);
    this.endWaiters.delete(id);
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
    if (this.finishFromRecord(id)) return;
    // No record: the wrapper itself was killed (SIGKILL) or failed before writing it.
    this.finish(id, { ...(signal ? { signal } : { exitCode: code ?? undefined }), endedAt: Date.now() });
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
    throw new TendDaemonError('invalid_cwd', `cwd ${cwd} does not exist; give an existing directory`, { cwd });
  }
  if (!isDir) throw new TendDaemonError('invalid_cwd', `cwd ${cwd} is not a directory`, { cwd });
}
