import { type SignalName, TERMINAL_STATES } from '@tend/protocol';
import type { ProcStat } from '../runtime/proc.js';
import type { TaskRow, TaskStore } from '../store/task-store.js';
import type { TaskContext } from './task-events.js';
import { findTaskProcesses } from './task-signal.js';
import { fileSize } from './task-view.js';

/**
 * How often the processes of ended tasks whose leftovers run are looked for, in ms. Each look is one
 * {@link findTaskProcesses} per such task (a kill(-pgid, 0), and a pass over /proc while the group has
 * members), so it runs at the orphan watch's identity pace (watchdog.ts), not every 100 ms.
 */
export const LEFTOVER_POLL_MS = 400;

/**
 * Leftovers of task `row`: the processes provably its own ({@link findTaskProcesses}) other than its
 * wrapper and the wrapper's own children. Called when the main command has ended, the wrapper may
 * still be writing the exit record (`sync`, `mv`), or exiting: neither is a leftover. A process the
 * command started has the command's shell as parent (or init, once reparented), never the wrapper.
 */
export function taskLeftovers(row: TaskRow): ProcStat[] {
  const { members, wrapperAlive } = findTaskProcesses(row);
  return members.filter((p) => p.pid !== row.pid && !(wrapperAlive && p.ppid === row.pid));
}

/** Ended tasks whose leftovers were still running when last seen (to watch them again after a restart). */
export function endedWithLeftoversRunning(store: TaskStore): TaskRow[] {
  // One query at start-up, of the rows that still have leftovers running only.
  return store.list({ states: [...TERMINAL_STATES], leftoversRunning: true, limit: Number.MAX_SAFE_INTEGER });
}

interface Watched {
  row: TaskRow;
  /** SIGKILL of a stop of the leftovers (task/kill on the ended task), pending. */
  killTimer?: NodeJS.Timeout;
  /** Resolved when none of the leftovers is left. */
  waiters: Set<() => void>;
}

/**
 * Watches the leftovers of ended tasks (docs/design.md, "Leftovers"): processes of the task still
 * alive when its main command ended. The task keeps the command's status; its row says
 * `leftoversRunning` until a poll every {@link LEFTOVER_POLL_MS} finds none left, then
 * `leftoversRunning: false`, the final `outputBytes`, and a `change` event (task/didChange).
 * {@link stop} ends them as a stop of a live task would: the signal, SIGCONT, SIGKILL after the grace.
 */
export class LeftoverWatch {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: TaskContext,
    private readonly intervalMs = LEFTOVER_POLL_MS,
  ) {
    context.events.on('change', (task, removed) => {
      if (removed) this.forget(task.id);
    });
  }

  /** Watches ended task `row`'s leftovers until none is left. */
  watch(row: TaskRow): void {
    if (!this.watched.has(row.id)) this.watched.set(row.id, { row, waiters: new Set() });
    this.timer ??= setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
  }

  /** Ended tasks whose leftovers are watched now. */
  rows(): TaskRow[] {
    return [...this.watched.values()].map((entry) => entry.row);
  }

  /** Whether ended task `id`'s leftovers are watched (they were running when last seen). */
  has(id: string): boolean {
    return this.watched.has(id);
  }

  /**
   * Ends the leftovers of ended task `row` (docs/design.md, "Leftovers"): `signal` through `send`,
   * then SIGCONT (systemd.kill(5): "SIGCONT … so that suspended processes get a chance to terminate",
   * https://www.freedesktop.org/software/systemd/man/latest/systemd.kill.html), then SIGKILL after
   * `graceMs` if any is still alive. `send` is the stopper's signal path (TaskStopper.signalGroup).
   */
  stop(
    row: TaskRow,
    signal: SignalName,
    graceMs: number,
    send: (row: TaskRow, signal: SignalName) => boolean,
  ): void {
    this.watch(row);
    const entry = this.watched.get(row.id) as Watched;
    send(row, signal);
    if (signal === 'SIGKILL') return;
    send(row, 'SIGCONT');
    if (entry.killTimer) return;
    entry.killTimer = setTimeout(() => {
      entry.killTimer = undefined;
      if (this.watched.get(row.id) === entry) send(row, 'SIGKILL');
    }, graceMs);
    entry.killTimer.unref();
  }

  /** Looks at task `id`'s leftovers now; when none is left, records it. Returns whether some are still running. */
  check(id: string): boolean {
    const entry = this.watched.get(id);
    if (!entry) return false;
    if (taskLeftovers(entry.row).length > 0) return true;
    this.done(id, entry);
    return false;
  }

  /** Resolves once task `id`'s leftovers are gone (at once when none is watched). */
  gone(id: string): Promise<void> {
    const entry = this.watched.get(id);
    if (!entry) return Promise.resolve();
    return new Promise((resolve) => entry.waiters.add(resolve));
  }

  /** Stops watching (daemon shutdown); the rows keep saying what was last seen. */
  stopAll(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const id of [...this.watched.keys()]) this.forget(id);
  }

  private poll(): void {
    for (const id of [...this.watched.keys()]) this.check(id);
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private done(id: string, entry: Watched): void {
    const { store, events, logger } = this.context;
    try {
      if (!store.update(id, { leftoversRunning: false, outputBytes: fileSize(entry.row.logPath) })) {
        this.forget(id);
        return;
      }
    } catch (error) {
      // The store cannot be written now (disk full): keep watching, the next poll records it.
      logger.warn({ task: id, err: error }, 'cannot record that the leftovers of the task have ended');
      return;
    }
    this.forget(id);
    logger.info({ task: id }, 'leftovers of the task have ended');
    events.changed(id);
  }

  private forget(id: string): void {
    const entry = this.watched.get(id);
    if (!entry) return;
    if (entry.killTimer) clearTimeout(entry.killTimer);
    this.watched.delete(id);
    for (const waiter of entry.waiters) waiter();
  }
}
