import { existsSync, watch, type FSWatcher } from 'node:fs';
import { isTerminal } from '@tend/protocol';
import { aliveFifoPath, watchWrapperEnd } from './alive-fifo.js';
import { isSameProcess, pidExists, type ProcStat } from '../runtime/proc.js';
import type { TaskRow } from '../store/task-store.js';
import { finishOrphan, wrapperGone } from './orphaned-task.js';
import type { TaskEnder } from './task-end.js';
import { taskFiles } from './task-folder.js';
import { cgroupEmpty } from './cgroup-task.js';
import { findTaskProcesses } from './task-signal.js';

/**
 * How often the watchdog polls the adopted tasks it cannot watch through their
 * liveness FIFO (wrappers from before it, no `mkfifo`), and orphans, in ms (end
 * detected within about this).
 */
export const WATCH_INTERVAL_MS = 100;
/**
 * Every this many ticks the poll also checks identity (start time), which catches zombies and PID reuse:
 * 400 ms, inside the 500 ms end detection asked for.
 */
const IDENTITY_EVERY = 4;
/**
 * How often each task watched through its liveness FIFO is also checked by
 * identity, in ms: a backstop for a FIFO that another process of the user
 * deliberately holds open too (then its end of file would not come). Spread
 * over {@link SWEEP_TICK_MS} ticks, so a tick checks 1/30 of those tasks:
 * with 1,000 adopted tasks, 17 identity checks a second.
 */
export const FIFO_SWEEP_MS = 60_000;
/** Tick of the backstop sweep ({@link FIFO_SWEEP_MS}), in ms. */
const SWEEP_TICK_MS = 2_000;

interface Watched {
  row: TaskRow;
  exitPath: string;
  /** inotify watch of the task's directory, for the exit record (polled tasks only). */
  watcher?: FSWatcher;
  /** Stops the watch of the liveness FIFO (alive-fifo.ts): its end of file is the wrapper's end. */
  stopFifo?: () => void;
  orphan?: boolean;
  members?: ProcStat[];
}

/**
 * Watches adopted tasks (docs/design.md, "Recovery at start-up") — no longer
 * the daemon's children, so no exit event. A task whose wrapper holds its
 * liveness FIFO (wrapper.ts) costs nothing while it runs: the wrapper's end,
 * by any cause (exit record written, SIGKILL, zombie), is the FIFO's end of
 * file, seen at once through the event loop; a sweep checks each such task's
 * identity every {@link FIFO_SWEEP_MS} as a backstop. Any other task (a
 * wrapper from before the FIFO) is polled every {@link WATCH_INTERVAL_MS}, its
 * exit record seen at once through inotify (fs.watch on the task's directory),
 * and every few ticks its identity (zombie, PID reuse) checked; so are the
 * processes of orphaned tasks.
 *
 * Measured (2-core VM, load average 4–8 from other work, 1,000 adopted
 * `sleep` tasks): idle daemon CPU 13.7–14.1 % of a core with the 100/400 ms
 * poll of every task → 0.3–0.4 % with the FIFO (docs/design.md, "End").
 */
export class Watchdog {
  private readonly watched = new Map<string, Watched>();
  /** Ids of tasks polled every tick (no liveness FIFO, or orphaned). */
  private readonly polled = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Ids of FIFO-watched tasks still to check in this round of the backstop sweep. */
  private sweepQueue: string[] = [];

  constructor(
    private readonly ender: TaskEnder,
    private readonly intervalMs = WATCH_INTERVAL_MS,
    private readonly sweepMs = FIFO_SWEEP_MS,
  ) {
    const { events } = ender.context;
    events.on('change', (task) => {
      // A restarting task's run has ended: its next wrapper is this daemon's child, watched by its exit event.
      if (isTerminal(task.state) || task.state === 'restarting') this.forget(task.id);
    });
    events.on('orphaned', (row) => this.adopt(row, true));
  }

  /**
   * Watches task `row` until it ends: its wrapper, or — with `orphan` — the
   * processes of a task whose wrapper ended without an exit record
   * (wrapperGone), until none is left.
   */
  adopt(row: TaskRow, orphan = false): void {
    const { dir, exitPath } = taskFiles(this.ender.context.tasksDir, row.id);
    this.forget(row.id);
    const entry: Watched = { row, exitPath, ...(orphan ? { orphan } : {}) };
    this.watched.set(row.id, entry);
    // An orphan's wrapper is gone: no FIFO, no exit record will come.
    if (!orphan) {
      const stopFifo = watchWrapperEnd(aliveFifoPath(exitPath), row.pid as number, () =>
        this.fifoEnded(row.id),
      );
      if (stopFifo) {
        entry.stopFifo = stopFifo;
        this.sweepTimer ??= setInterval(() => this.sweep(), SWEEP_TICK_MS);
        this.sweepTimer.unref();
        return;
      }
      try {
        entry.watcher = watch(dir, { persistent: false }, (_event, file) => {
          if (file === 'exit') this.recordSeen(row.id);
        });
        entry.watcher.on('error', () => entry.watcher?.close());
      } catch {
        // No inotify watch (limit reached, no directory): the poll still sees the end.
      }
    }
    this.polled.add(row.id);
    this.timer ??= setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const id of [...this.watched.keys()]) this.forget(id);
  }

  private forget(id: string): void {
    const entry = this.watched.get(id);
    entry?.watcher?.close();
    entry?.stopFifo?.();
    this.watched.delete(id);
    this.polled.delete(id);
  }

  private poll(): void {
    const checkIdentity = ++this.tick % IDENTITY_EVERY === 0;
    for (const id of [...this.polled]) this.check(id, checkIdentity);
    if (this.polled.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** One tick of the backstop sweep: checks the identity of the next slice of FIFO-watched tasks. */
  private sweep(): void {
    if (this.sweepQueue.length === 0) {
      this.sweepQueue = [...this.watched].filter(([, entry]) => entry.stopFifo).map(([id]) => id);
      if (this.sweepQueue.length === 0 && this.sweepTimer) {
        clearInterval(this.sweepTimer);
        this.sweepTimer = undefined;
        return;
      }
    }
    const slice = Math.ceil((this.sweepQueue.length * SWEEP_TICK_MS) / this.sweepMs);
    for (const id of this.sweepQueue.splice(0, Math.max(1, slice))) this.check(id, true);
  }

  /**
   * The liveness FIFO of task `id` reached its end of file: its wrapper has
   * ended. Ends the task (from its exit record, or as a wrapper gone without
   * one); should the wrapper still be there after all, polls it instead.
   */
  private fifoEnded(id: string): void {
    const entry = this.watched.get(id);
    if (!entry?.stopFifo) return;
    entry.stopFifo = undefined;
    this.check(id, true);
    if (this.watched.get(id) === entry) {
      this.polled.add(id);
      this.timer ??= setInterval(() => this.poll(), this.intervalMs);
      this.timer.unref();
    }
  }

  /**
   * Ends orphaned task `id` once none of its processes is left. While one the
   * last scan found still runs (same start time), that costs one stat read; only
   * then does it scan /proc again (findTaskProcesses: environ reads), which
   * also finds what the known members forked meanwhile.
   */
  private checkOrphan(id: string, entry: Watched): void {
    const bootId = entry.row.bootId as string;
    if (entry.members?.some((p) => isSameProcess(p.pid, { startTicks: p.startTicks, bootId }))) return;
    const { members } = findTaskProcesses(entry.row);
    if (members.length > 0) {
      entry.members = members;
      return;
    }
    this.forget(id);
    finishOrphan(this.ender, id);
  }

  /** inotify saw the exit record appear: the task has ended. */
  private recordSeen(id: string): void {
    // An unreadable record keeps the task watched: the poll still sees the wrapper go.
    if (this.watched.has(id) && this.ender.finishFromRecord(id)) this.forget(id);
  }

  /** Ends task `id` if its wrapper is gone (record written, pid gone, or — with `identity` — not the same process). */
  private check(id: string, identity: boolean): void {
    const entry = this.watched.get(id);
    if (!entry) return;
    const { row, exitPath, watcher } = entry;
    if (entry.orphan) {
      // A cgroup task: `populated` of cgroup.events, every tick; else a scan of /proc, at identity pace only.
      const empty = cgroupEmpty(row);
      if (empty === undefined) {
        if (identity) this.checkOrphan(id, entry);
      } else if (empty) {
        this.forget(id);
        finishOrphan(this.ender, id);
      }
      return;
    }
    const pid = row.pid as number;
    const gone =
      // With an inotify watch the record's arrival calls check() itself; without, stat for it.
      (!watcher && existsSync(exitPath)) ||
      !pidExists(pid) ||
      (identity &&
        !isSameProcess(pid, { startTicks: row.startTicks as number, bootId: row.bootId as string }));
    if (!gone) return;
    this.forget(id);
    wrapperGone(this.ender, id, {
      endedAt: Date.now(),
      lostReason: 'its wrapper ended without an exit record',
    });
  }
}
