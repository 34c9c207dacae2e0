import { rmSync } from 'node:fs';
import { isTerminal, type Task } from '@tend/protocol';
import { TendDaemonError } from '../errors.js';
import { isDiskFull } from '../runtime/disk-full.js';
import { removeTaskCgroup } from '../runtime/cgroup.js';
import type { TaskRow } from '../store/task-store.js';
import { aliveFifoPath } from './alive-fifo.js';
import { reserveExitRecord } from './exit-record.js';
import { resolveTask } from './ids.js';
import type { TaskContext } from './task-events.js';
import { taskFiles } from './task-folder.js';
import { checkLiveLimit, type TaskStarter } from './task-start.js';
import type { TaskStopper } from './task-stopper.js';
import { DISK_FULL_RETRY_MS } from './task-timers.js';
import { toTask } from './task-view.js';

/** How much longer than the grace task/restart of a live task waits for its next run, in ms. */
export const RESTART_WAIT_MARGIN_MS = 5_000;

/**
 * Runs tasks again under the same id (docs/design.md, "Restarts"): the next run of a `restarting` task
 * when its backoff ends (restart policies), and task/restart. Each run gets a fresh wrapper, exit record,
 * liveness FIFO and (containment cgroup) cgroup; its output is appended to the task's output.log.
 *
 * Crash safety: the ended run's exit record and FIFO are deleted while the row still says `restarting` (a
 * daemon killed then re-arms the backoff and starts the run later), then the row becomes `starting` with
 * `restarts` + 1 before the new files and the wrapper exist (a daemon killed then finds the wrapper by its
 * exit record's path in its argv, or, without one, puts the task back to `restarting`; task-recovery.ts).
 */
export class TaskRestarter {
  constructor(
    private readonly context: TaskContext,
    private readonly starter: TaskStarter,
    private readonly stopper: TaskStopper,
    private readonly options: { maxLiveTasks?: number },
  ) {}

  /**
   * Starts the next run of `restarting` task `id` (its backoff ended, or task/restart); a task in another
   * state is left alone. Never throws: a full disk tries again after {@link DISK_FULL_RETRY_MS}, a run that
   * cannot be started ends `failed` (see TaskStarter.spawnRun).
   * @returns the task as it is then (undefined when it is gone).
   */
  async nextRun(id: string): Promise<Task | undefined> {
    const { store, events, logger, tasksDir } = this.context;
    const row = store.get(id);
    if (row?.state !== 'restarting') return row ? toTask(row) : undefined;
    this.stopper.timers.clear(id);
    const files = taskFiles(tasksDir, id);
    try {
      // 1. The ended run's files go first: the row still says restarting, so a crash here only re-arms.
      for (const path of [files.exitPath, `${files.exitPath}.tmp`, aliveFifoPath(files.exitPath)])
        rmSync(path, { force: true });
      this.freshCgroup(row);
      // 2. The row, before any new file or process.
      store.update(id, {
        state: 'starting',
        restarts: (row.restarts ?? 0) + 1,
        ...RUN_FIELDS_CLEARED,
      });
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      logger.warn({ task: id, err: error }, 'disk full: the next run of the task waits for room');
      store.update(id, { restartAt: Date.now() + DISK_FULL_RETRY_MS });
      this.stopper.timers.schedule(store.get(id) as TaskRow);
      return toTask(store.get(id) as TaskRow);
    }
    events.changed(id);
    // 3. The new run's exit record room, then its wrapper.
    try {
      reserveExitRecord(files.exitPath);
    } catch (error) {
      logger.warn({ task: id, err: error }, "could not reserve the room of the run's exit record");
    }
    return this.starter.spawnRun(store.get(id) as TaskRow);
  }

  /**
   * task/restart: runs task `ref` again with its recorded command, cwd and environment, same id. A live task
   * is stopped first (SIGTERM, SIGKILL after `graceMs`; cause `restart`, so its end starts the next run at
   * once); a `restarting` one starts its next run now; an ended one is live again (its leftovers SIGKILLed,
   * its TTL counted from the new start, its restart policy's window emptied).
   * @returns the task once its new run is running (or has ended), at most `graceMs` + 5 s after a stop.
   * @throws TendDaemonError task_not_found, ambiguous_id; for an ended task limit_exceeded (maxLiveTasks),
   *   name_in_use (a live task has its name now).
   */
  async restart(ref: string, graceMs: number): Promise<Task> {
    const { store } = this.context;
    const row = resolveTask(store, ref);
    const before = row.restarts ?? 0;
    if (row.state === 'restarting') return (await this.nextRun(row.id)) ?? toTask(row);
    if (isTerminal(row.state)) {
      this.reopen(row);
      return (await this.nextRun(row.id)) ?? toTask(row);
    }
    const next = this.nextRunStarted(row.id, before, graceMs + RESTART_WAIT_MARGIN_MS);
    if (row.state === 'stopping') store.update(row.id, { stopCause: 'restart' });
    else this.stopper.stop(row, 'SIGTERM', graceMs, 'restart');
    return next;
  }

  /** Makes ended task `row` `restarting`, due now (task/restart of an ended task). */
  private reopen(row: TaskRow): void {
    const { store, events } = this.context;
    checkLiveLimit(this.context.store, this.options.maxLiveTasks);
    // What still runs of the ended task goes: the next run starts clean.
    if (row.leftoversRunning) this.stopper.sweep(row);
    const holder = row.name !== undefined ? store.byName(row.name) : undefined;
    if (holder && holder.id !== row.id && !isTerminal(holder.state)) throw nameInUse(row, holder.id);
    try {
      store.update(row.id, {
        state: 'restarting',
        restartAt: Date.now(),
        restartTimes: undefined,
        expiresAt: undefined,
        reason: 'restarted by task/restart',
        leftoversRunning: undefined,
        leftoverCount: undefined,
      });
    } catch (error) {
      // A task/run that took the name meanwhile (the unique index of live names).
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      throw nameInUse(row, store.byName(row.name as string)?.id);
    }
    events.changed(row.id);
  }

  /** Settles with task `id` once a run after run `before` + 1 is running or ended, or at `timeoutMs`. */
  private nextRunStarted(id: string, before: number, timeoutMs: number): Promise<Task> {
    const { events, store } = this.context;
    return new Promise((resolve) => {
      const done = () => {
        events.off('change', onChange);
        clearTimeout(timer);
        const row = store.get(id);
        resolve(row ? toTask(row) : ({ id } as Task));
      };
      const onChange = (task: Task, removed: boolean) => {
        if (task.id !== id) return;
        if (removed || isTerminal(task.state) || (task.restarts > before && task.state !== 'starting'))
          done();
      };
      const timer = setTimeout(done, timeoutMs);
      events.on('change', onChange);
    });
  }

  /** Removes an ended run's empty cgroup, so that the next run's counters (memory.events…) start at 0; a busy one is kept. */
  private freshCgroup(row: TaskRow): void {
    const containment = this.context.containment;
    if (row.cgroup === undefined || containment?.mode !== 'cgroup') return;
    try {
      removeTaskCgroup(containment.root, row.cgroup);
    } catch (error) {
      this.context.logger.warn({ task: row.id, cgroup: row.cgroup, err: error }, 'task cgroup left in place');
    }
  }
}

/** name_in_use for ended task `row`, whose name live task `holder` has now. */
function nameInUse(row: TaskRow, holder: string | undefined): TendDaemonError {
  return new TendDaemonError(
    'name_in_use',
    `task ${row.id} cannot run again under its name "${row.name}": live task ${holder} has it now; stop that one first`,
    { name: row.name, id: holder },
  );
}

/** The fields of a run that a new run starts without. */
const RUN_FIELDS_CLEARED = {
  pid: undefined,
  pgid: undefined,
  startTicks: undefined,
  bootId: undefined,
  exitCode: undefined,
  signal: undefined,
  startedAt: undefined,
  endedAt: undefined,
  deadlineAt: undefined,
  killAt: undefined,
  stopCause: undefined,
  reason: undefined,
  restartAt: undefined,
} satisfies Partial<TaskRow>;
