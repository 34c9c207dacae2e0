import type { Logger } from 'pino';
import {
  DEFAULT_SESSION_GRACE_MS,
  type ParsedParamsOf,
  type ResultOf,
  type SignalName,
  type Task,
  type TaskGet,
  type TaskKill,
  type TaskList,
  type TaskRun,
} from '@tend/protocol';
import type { Containment } from '../runtime/cgroup-root.js';
import type { CompletionStore } from '../store/completion-store.js';
import type { CursorStore } from '../store/cursor-store.js';
import type { RetentionStore } from '../store/retention-store.js';
import type { StopCause, TaskRow, TaskStore } from '../store/task-store.js';
import { resolveTask } from './ids.js';
import { SessionGrace } from './session-grace.js';
import type { PendingEnds } from './pending-ends.js';
import { TaskEnder, type WaitOutcome } from './task-end.js';
import { endedWithLeftoversRunning } from './leftovers.js';
import { TaskEvents } from './task-events.js';
import { killAndWait } from './task-kill-wait.js';
import { TaskRemover } from './task-remove.js';
import { TaskRestarter } from './task-restart.js';
import { type RunRequest, TaskStarter } from './task-start.js';
import { TaskStopper } from './task-stopper.js';
import type { TaskTimers } from './task-timers.js';
import { toTask, toTaskDetail } from './task-view.js';

export type { RunRequest } from './task-start.js';

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
  /** Default of task/run `killLeftovers` (config `killLeftovers`; false when absent). */
  killLeftovers?: boolean;
  /** Durable read cursors (task/output since last). */
  cursors: CursorStore;
  /** The completion inbox. */
  completions: CompletionStore;
  /** Deletes ended tasks with everything recorded about them. */
  retention: RetentionStore;
  /** Most live tasks at once (config `maxLiveTasks`); unlimited when absent. */
  maxLiveTasks?: number;
  /** Config `sessionGraceMs`: how long tasks with lifetime session outlive their session's last client, in ms. */
  sessionGraceMs?: number;
  /** How new tasks are contained (chooseContainment); absent: marker. */
  containment?: Containment;
  /**
   * The daemon's environment, which tasks with inheritEnv start from, read once at start-up (see
   * {@link StartOptions.daemonEnv}); absent: `process.env` at each spawn.
   */
  daemonEnv?: Readonly<Record<string, string | undefined>>;
}

/** How much longer than the grace a shutdown with killTasks waits for each task's end, in ms. */
export const SHUTDOWN_END_MARGIN_MS = 5_000;

/**
 * The one object the request handlers see: it builds the lifecycle steps
 * (docs/design.md, "Process model") and forwards to them — start
 * ({@link TaskStarter}), end with the completion record ({@link TaskEnder}),
 * stop ({@link TaskStopper}), removal ({@link TaskRemover}) — and emits their
 * events ({@link TaskEvents}). Recovery at start-up (task-recovery.ts) and
 * watching (watchdog.ts) use the ender and stopper directly. Dependencies run
 * one way: start → end → stop → events.
 */
export class TaskSupervisor extends TaskEvents {
  readonly cursors: CursorStore;
  readonly completions: CompletionStore;
  readonly stopper: TaskStopper;
  readonly ender: TaskEnder;
  /** The session lifetime policy: stops session tasks whose session has had no client for the grace. */
  readonly sessions: SessionGrace;
  private readonly starter: TaskStarter;
  private readonly remover: TaskRemover;
  private readonly restarter: TaskRestarter;

  constructor(readonly options: SupervisorOptions) {
    super(options.store);
    this.cursors = options.cursors;
    this.completions = options.completions;
    const context = {
      store: options.store,
      events: this,
      logger: options.logger,
      tasksDir: options.tasksDir,
      ...(options.containment ? { containment: options.containment } : {}),
    };
    this.stopper = new TaskStopper({ ...context, graceMs: options.graceMs });
    this.ender = new TaskEnder(context, this.stopper, options.completions);
    this.starter = new TaskStarter(context, this.ender, this.stopper.timers, options);
    this.remover = new TaskRemover(context, this.ender, this.stopper, options.retention);
    this.restarter = new TaskRestarter(context, this.starter, this.stopper, options);
    // The backoff of a restarting task ended (restart policy): its next run.
    this.stopper.startNextRun = (id) => {
      this.restarter.nextRun(id).catch((error: unknown) => {
        options.logger.error({ task: id, err: error }, 'the next run of the task could not be started');
      });
    };
    this.sessions = new SessionGrace({
      store: options.store,
      stopper: this.stopper,
      logger: options.logger,
      sessionGraceMs: options.sessionGraceMs ?? DEFAULT_SESSION_GRACE_MS,
      killGraceMs: options.graceMs,
    });
  }

  /** Timeout and SIGKILL-escalation timers of every task. */
  get timers(): TaskTimers {
    return this.stopper.timers;
  }

  /** Task ends not yet written because the disk was full. */
  get pendingEnds(): PendingEnds {
    return this.ender.pendingEnds;
  }

  /** Device and inode of the output.log this daemon created for task `id` (undefined for tasks it adopted). */
  logIdentity(id: string): { dev: number; ino: number } | undefined {
    return this.starter.logIdentity(id);
  }

  /** task/run; see {@link TaskStarter.run}. */
  run(request: RunRequest): Promise<ResultOf<typeof TaskRun>> {
    return this.starter.run(request);
  }

  /**
   * task/restart; see {@link TaskRestarter.restart}.
   * @param graceMs SIGTERM → SIGKILL for a live task; default the daemon's (config killGraceMs).
   */
  restart(ref: string, graceMs?: number): Promise<Task> {
    return this.restarter.restart(ref, graceMs ?? this.options.graceMs);
  }

  /** task/get. @throws TendDaemonError task_not_found, ambiguous_id */
  get(ref: string, withEnv = false): ResultOf<typeof TaskGet> {
    return toTaskDetail(resolveTask(this.store, ref), withEnv);
  }

  /** task/list: tasks matching the filter, newest first. */
  list(filter: ParsedParamsOf<typeof TaskList>): Task[] {
    const now = Date.now();
    return this.store
      .list({
        states: filter.state,
        name: filter.name,
        project: filter.project,
        cwd: filter.cwd,
        session: filter.session,
        ...(filter.search !== undefined ? { search: filter.search } : {}),
        limit: filter.limit,
      })
      .map((row) => toTask(row, now));
  }

  /**
   * task/kill; see {@link killAndWait} (with `wait`, the default: answers once the task has ended, with
   * `stop`) and {@link TaskStopper.kill}.
   */
  kill(
    ref: string,
    signal: SignalName,
    graceMs: number,
    options: { wait?: boolean; abort?: AbortSignal; cause?: StopCause } = {},
  ): Promise<ResultOf<typeof TaskKill>> {
    // An end whose leftovers are still to be looked for (TaskEnder.flushEnds): recorded first, so that a
    // kill of the just-ended task reaches them rather than answering not_running.
    this.ender.flushEnds();
    return killAndWait(this.stopper, this.ender, ref, {
      ...options,
      signal,
      graceMs,
      wait: options.wait ?? true,
    });
  }

  /** Watches again the leftovers of ended tasks that were running when the previous daemon stopped. */
  watchLeftovers(): number {
    const rows = endedWithLeftoversRunning(this.store);
    for (const row of rows) this.stopper.leftovers.watch(row);
    return rows.length;
  }

  /** task/wait until exit; see {@link TaskEnder.wait}. */
  wait(ref: string, timeoutMs: number | undefined, abort?: AbortSignal): Promise<WaitOutcome> {
    return this.ender.wait(ref, timeoutMs, abort);
  }

  /** task/remove; see {@link TaskRemover.remove}. */
  remove(ref: string, force: boolean): Promise<Task> {
    // As for kill: a forced remove SIGKILLs the leftovers, so they must be recorded first.
    this.ender.flushEnds();
    return this.remover.remove(ref, force);
  }

  /** Deletes every trace of ended task `row`; see {@link TaskRemover.forget}. */
  forget(row: TaskRow): number | undefined {
    return this.remover.forget(row);
  }

  /** Records the stop intent, signals the group, schedules SIGKILL (see TaskStopper.stop). */
  stop(row: TaskRow, signal: SignalName, graceMs: number, cause: StopCause): void {
    this.stopper.stop(row, signal, graceMs, cause);
  }

  /**
   * Stops every live task (SIGTERM, SIGKILL after `graceMs`, cause `shutdown`) and the leftovers of
   * ended ones, and waits for their ends, each at most `graceMs` + {@link SHUTDOWN_END_MARGIN_MS}.
   */
  async stopAll(graceMs: number): Promise<void> {
    const live = this.store.live();
    const limit = graceMs + SHUTDOWN_END_MARGIN_MS;
    const ends: Promise<unknown>[] = live.map((row) => this.ender.wait(row.id, limit));
    for (const row of live) this.stopper.stop(row, 'SIGTERM', graceMs, 'shutdown');
    const { leftovers } = this.stopper;
    for (const row of leftovers.rows()) {
      leftovers.stop(row, 'SIGTERM', graceMs, (r, s) => this.stopper.signalGroup(r, s));
      ends.push(withDeadline(leftovers.gone(row.id), limit));
    }
    await Promise.all(ends);
  }
}

/** Settles with `promise`, or once `ms` have passed. */
function withDeadline(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
