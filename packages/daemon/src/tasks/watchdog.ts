import { existsSync, watch, type FSWatcher } from 'node:fs';
import { isTerminal } from '@tend/protocol';
import {
  bootId,
  findProcessesWithArg,
  isSameProcess,
  pidExists,
  processStartMs,
  readProcStat,
} from '../runtime/proc.js';
import type { TaskRow } from '../store/task-store.js';
import type { TaskSupervisor } from './supervisor.js';
import { finishOrphan, wrapperGone } from './orphaned-task.js';
import { findTaskProcesses } from './task-signal.js';

/** How often the watchdog looks at adopted tasks, in ms (end detected within about this). */
export const WATCH_INTERVAL_MS = 100;
/**
 * Every this many ticks it also checks identity (start time), which catches zombies and PID reuse:
 * 400 ms, inside the 500 ms end detection asked for, at about a third of the CPU of every tick
 * (with 1,000 adopted tasks; BENCHMARKS.md).
 */
const IDENTITY_EVERY = 4;

/** What {@link classifyLiveRows} found. */
export interface RecoveryReport {
  adopted: number;
  ended: number;
  lost: number;
}

/**
 * Classifies every non-terminal row before the daemon serves requests
 * (DESIGN.md, "Process model"): ended while away (the exit record gives the
 * real status), adopted (wrapper alive, same start time and boot id: watched
 * from now on; or wrapper gone without a record while processes provably the
 * task's still run: watched as an orphan until they end), or `lost` (reboot,
 * or wrapper gone without a record and nothing of the task left). A stop that
 * was in progress ends as the stop asked (killed or timed_out).
 */
export function classifyLiveRows(supervisor: TaskSupervisor, watchdog: Watchdog): RecoveryReport {
  const report: RecoveryReport = { adopted: 0, ended: 0, lost: 0 };
  const now = Date.now();
  for (let row of supervisor.store.live()) {
    if (supervisor.finishFromRecord(row.id)) {
      report.ended++;
      continue;
    }
    if (row.pid === undefined) row = findUnrecordedWrapper(supervisor, row);
    const verdict = judge(row);
    // Wrapper gone without a record, but processes provably the task's still run: watched as an orphan.
    const kept =
      verdict === 'alive' ||
      wrapperGone(supervisor, row.id, { endedAt: now, lostReason: verdict }) === 'orphaned';
    if (kept) {
      row = supervisor.store.get(row.id) ?? row;
      if (verdict === 'alive') watchdog.adopt(row);
      supervisor.timers.schedule(row);
      // A stop the previous daemon recorded may not have been signalled yet: finish the job.
      if (row.state === 'stopping')
        supervisor.signalGroup(row, row.killAt !== undefined ? 'SIGTERM' : 'SIGKILL');
      report.adopted++;
    } else {
      report.lost++;
    }
  }
  return report;
}

/**
 * A daemon killed between spawning a wrapper and recording its pid leaves a
 * `starting` row without one while the task runs. The wrapper's argv names the
 * task's exit record, so it is found by that and its identity recorded now.
 */
function findUnrecordedWrapper(supervisor: TaskSupervisor, row: TaskRow): TaskRow {
  const exitPath = supervisor.taskFiles(row.id).exitPath;
  for (const pid of findProcessesWithArg(exitPath)) {
    const stat = readProcStat(pid);
    // The wrapper leads its own session and group; its children carry no such argv.
    if (!stat || stat.pgid !== pid || stat.sid !== pid) continue;
    const startedAt = processStartMs(stat.startTicks);
    supervisor.store.update(row.id, {
      state: row.state === 'starting' ? 'running' : row.state,
      pid,
      pgid: pid,
      startTicks: stat.startTicks,
      bootId: bootId(),
      startedAt,
      deadlineAt: row.timeoutMs !== undefined ? startedAt + row.timeoutMs : undefined,
    });
    return supervisor.store.get(row.id) ?? row;
  }
  return row;
}

/** 'alive' when the row's wrapper runs now; otherwise why its end is unknown. */
function judge(row: TaskRow): 'alive' | string {
  if (row.pid === undefined || row.startTicks === undefined || row.bootId === undefined) {
    return 'the daemon stopped before the task was started';
  }
  if (row.bootId !== bootId()) return 'reboot';
  if (isSameProcess(row.pid, { startTicks: row.startTicks, bootId: row.bootId })) return 'alive';
  const stat = readProcStat(row.pid);
  // A zombie is a wrapper that ended and was not reaped (e.g. under a PID 1 that does not reap).
  return stat && stat.state !== 'Z' && stat.startTicks !== row.startTicks
    ? 'its pid now belongs to another process (PID reuse) and it left no exit record'
    : 'its wrapper ended without an exit record';
}

/**
 * Watches adopted tasks — no longer the daemon's children, so no exit event.
 * The exit record's appearance is seen at once through inotify (fs.watch on
 * the task's directory); a poll every {@link WATCH_INTERVAL_MS} catches what
 * inotify cannot: a wrapper gone without a record (SIGKILL), a directory that
 * cannot be watched, and every few ticks the full identity (zombie, PID reuse).
 */
export class Watchdog {
  private readonly watched = new Map<
    string,
    { row: TaskRow; exitPath: string; watcher?: FSWatcher; orphan?: boolean }
  >();
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;

  constructor(
    private readonly supervisor: TaskSupervisor,
    private readonly intervalMs = WATCH_INTERVAL_MS,
  ) {
    supervisor.on('change', (task) => {
      if (isTerminal(task.state)) this.forget(task.id);
    });
    supervisor.on('orphaned', (row) => this.adopt(row, true));
  }

  /**
   * Watches task `row` until it ends: its wrapper, or — with `orphan` — the
   * processes of a task whose wrapper ended without an exit record
   * (wrapperGone), until none is left.
   */
  adopt(row: TaskRow, orphan = false): void {
    const { dir, exitPath } = this.supervisor.taskFiles(row.id);
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

  /** inotify saw the exit record appear: the task has ended. */
  private recordSeen(id: string): void {
    // An unreadable record keeps the task watched: the poll still sees the wrapper go.
    if (this.watched.has(id) && this.supervisor.finishFromRecord(id)) this.forget(id);
  }

  /** Ends task `id` if its wrapper is gone (record written, pid gone, or — with `identity` — not the same process). */
  private check(id: string, identity: boolean): void {
    const entry = this.watched.get(id);
    if (!entry) return;
    const { row, exitPath, watcher } = entry;
    if (entry.orphan) {
      // A scan of /proc: at identity pace only.
      if (identity && findTaskProcesses(row).members.length === 0) {
        this.forget(id);
        finishOrphan(this.supervisor, id);
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
    wrapperGone(this.supervisor, id, {
      endedAt: Date.now(),
      lostReason: 'its wrapper ended without an exit record',
    });
  }
}
