import { existsSync, watch, type FSWatcher } from 'node:fs';
import { isTerminal } from '@tend/protocol';
import { isSameProcess, pidExists, type ProcStat } from '../runtime/proc.js';
import type { TaskRow } from '../store/task-store.js';
import { finishOrphan, wrapperGone } from './orphaned-task.js';
import type { TaskEnder } from './task-end.js';
import { taskFiles } from './task-folder.js';
import { cgroupEmpty } from './cgroup-task.js';
import { findTaskProcesses } from './task-signal.js';

/** How often the watchdog looks at adopted tasks, in ms (end detected within about this). */
export const WATCH_INTERVAL_MS = 100;
/**
 * Every this many ticks it also checks identity (start time), which catches zombies and PID reuse:
 * 400 ms, inside the 500 ms end detection asked for, at about a third of the CPU of every tick
 * (with 1,000 adopted tasks; BENCHMARKS.md).
 */
const IDENTITY_EVERY = 4;

/**
 * Watches adopted tasks (docs/design.md, "Recovery at start-up") — no longer the daemon's children, so no exit event.
 * The exit record's appearance is seen at once through inotify (fs.watch on
 * the task's directory); a poll every {@link WATCH_INTERVAL_MS} catches what
 * inotify cannot: a wrapper gone without a record (SIGKILL), a directory that
 * cannot be watched, and every few ticks the full identity (zombie, PID reuse).
 */
export class Watchdog {
  private readonly watched = new Map<
    string,
    { row: TaskRow; exitPath: string; watcher?: FSWatcher; orphan?: boolean; members?: ProcStat[] }
  >();
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;

  constructor(
    private readonly ender: TaskEnder,
    private readonly intervalMs = WATCH_INTERVAL_MS,
  ) {
    const { events } = ender.context;
    events.on('change', (task) => {
      if (isTerminal(task.state)) this.forget(task.id);
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
    let watcher: FSWatcher | undefined;
    // An orphan's wrapper is gone: no exit record will come.
    if (!orphan) {
      try {
        watcher = watch(dir, { persistent: false }, (_event, file) => {
          if (file === 'exit') this.recordSeen(row.id);
        });
        watcher.on('error', () => watcher?.close());
      } catch {
        // No inotify watch (limit reached, no directory): the poll still sees the end.
      }
    }
    this.watched.set(row.id, {
      row,
      exitPath,
      ...(watcher ? { watcher } : {}),
      ...(orphan ? { orphan } : {}),
    });
    this.timer ??= setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const id of [...this.watched.keys()]) this.forget(id);
  }

  private forget(id: string): void {
    this.watched.get(id)?.watcher?.close();
    this.watched.delete(id);
  }

  private poll(): void {
    const checkIdentity = ++this.tick % IDENTITY_EVERY === 0;
    for (const id of [...this.watched.keys()]) this.check(id, checkIdentity);
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * Ends orphaned task `id` once none of its processes is left. While one the
   * last scan found still runs (same start time), that costs one stat read; only
   * then does it scan /proc again (findTaskProcesses: environ reads), which
   * also finds what the known members forked meanwhile.
   */
  private checkOrphan(id: string, entry: { row: TaskRow; members?: ProcStat[] }): void {
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
