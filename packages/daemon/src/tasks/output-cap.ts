import { type FSWatcher, lstatSync, type Stats, watch } from 'node:fs';
import type { Logger } from 'pino';
import { isTerminal, type Task } from '@tend/protocol';
import {
  closeQuietly,
  type FileIdentity,
  identityOf,
  lineStartFrom,
  openOwnLog,
  type PunchHead,
  punchHead,
  sameFile,
} from './output-cap-file.js';
import { endedWithLeftoversRunning } from './leftovers.js';
import type { TaskEvents } from './task-events.js';

export type { FileIdentity } from './output-cap-file.js';

/**
 * How long after a write a log is measured against its cap, at most, in ms (and how often a log that
 * cannot be watched is measured). Disk use may pass the cap by what a task writes in this time.
 */
export const CAP_CHECK_INTERVAL_MS = 250;
/** Check interval while some log is being trimmed (a fast writer), in ms. */
export const HOT_CHECK_INTERVAL_MS = 20;
/** Share of the cap kept after a trim, so that a chatty task is not trimmed on every check. */
export const KEEP_FRACTION = 0.75;
/** Hole punching works on whole filesystem blocks; offsets are aligned down to this (bytes). */
const BLOCK_BYTES = 4096;

/** What the enforcer needs of the supervisor (TaskSupervisor): its events, its store, the identity of each log it created. */
export type CapHost = Pick<TaskEvents, 'on' | 'store'> & {
  /** Device and inode of the output.log this daemon created for task `id`; undefined for a task it adopted. */
  logIdentity(id: string): FileIdentity | undefined;
};

/** Settings of an {@link OutputCapEnforcer}; the defaults are the daemon's. */
export interface CapOptions {
  /** Check delay after a write when no log is being trimmed, in ms (default {@link CAP_CHECK_INTERVAL_MS}). */
  intervalMs?: number;
  /** Watches a log for writes (default fs.watch: inotify); throws when it cannot (then the log is polled). */
  watchLog?: (path: string, onWrite: () => void) => FSWatcher;
  /** How a hole is punched (default fallocate, {@link punchHead}). */
  punchHole?: PunchHead;
}

interface Tracked {
  logPath: string;
  /** The file tend created: from the spawn, or for a task adopted after a restart learnt at first sight (a regular file with one link). */
  identity?: FileIdentity;
  /** Tracked since daemon start (a previous daemon spawned it): no identity from a spawn to compare with. */
  adopted: boolean;
  /** The path no longer names that file (a task replaced it): warned once, no more trims. */
  replaced: boolean;
  /** Most disk the log may use, in bytes. */
  cap: number;
  /** Bytes dropped at the head so far: the offset of the oldest byte kept. Only grows. */
  droppedBytes: number;
  /** The punch running now; settles (never rejects) once it ended and its descriptor is closed. */
  running?: Promise<void>;
  /** The filesystem refused to punch holes: stop trying. */
  unsupported: boolean;
  /** The task was removed: no more trims. */
  removed: boolean;
  /** One-shot inotify watch of the log: armed until the next write, then closed until the check. */
  watcher?: FSWatcher;
  /** No inotify watch could be set (watch limit reached): measured every interval instead. */
  polled: boolean;
  /** When it was last measured (performance.now() ms; 0: never). */
  checkedAt: number;
}

/**
 * Keeps each live task's output.log under its cap without touching the task:
 * it still holds its O_APPEND fd, so the file cannot be renamed or truncated
 * without losing bytes or resetting offsets. Instead the oldest part is
 * deallocated in place by punching a hole ({@link punchHead}): the file
 * becomes sparse, its size and every offset stay, the writer is never raced,
 * and the newest output is never lost. The row's `droppedBytes` is moved
 * first, so no reader is ever served the zeros of a hole, and it only grows.
 *
 * A log is measured only after it was written: a one-shot inotify watch
 * (fs.watch) marks it at its next write, and it is measured at once when it
 * was not measured in the last {@link CAP_CHECK_INTERVAL_MS}, else one
 * interval after its last measure (every {@link HOT_CHECK_INTERVAL_MS} while
 * it is being trimmed): idle tasks cost nothing, a writing one at most one
 * stat per interval. A log that cannot be watched (inotify's
 * max_user_watches reached) is measured every interval instead.
 *
 * When a task ends, one last trim covers what it wrote since the previous
 * check; if a punch is still running then, the last trim runs right after it
 * ({@link settled} waits for both). One punch at a time per log.
 *
 * It acts only on the file tend created: the path is lstat'ed (a symlink is
 * never followed) and its device and inode must be the ones recorded at spawn
 * ({@link CapHost.logIdentity}); the hole is punched through a descriptor
 * opened with O_NOFOLLOW and checked again. A task that replaces its
 * output.log (by a symlink, another file) loses the cap, and no other file is
 * ever touched. No error of a trim (disk full, file gone, no punch-hole)
 * escapes: it is logged and the trim skipped.
 */
export class OutputCapEnforcer {
  /** Logs of live tasks. */
  private readonly tracked = new Map<string, Tracked>();
  /**
   * Tracked logs to measure, by id, with when (performance.now() ms): written since their last
   * measure, being trimmed, or polled.
   */
  private readonly dirty = new Map<string, number>();
  /** Ended tasks whose last trim is pending or running, by id: settles when it is done. */
  private readonly finishing = new Map<string, { entry: Tracked; done: Promise<void> }>();
  /**
   * The entry of the task {@link finish}ed last: a task's end is announced before its leftovers are
   * counted (task-end.ts), so a change saying that they run may follow in the same turn and track it again.
   */
  private lastFinished: { id: string; entry: Tracked } | undefined;
  private readonly intervalMs: number;
  private readonly punchHole: PunchHead;
  private readonly watchLog: (path: string, onWrite: () => void) => FSWatcher;
  private timer: NodeJS.Timeout | undefined;
  /** When the pending check runs (performance.now() ms), to bring it forward for a hot log. */
  private dueAt = 0;
  private stopped = false;
  /** Checks run only once {@link start} was called (tests drive {@link checkAll} themselves). */
  private started = false;

  constructor(
    private readonly host: CapHost,
    private readonly logger: Logger,
    options: CapOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? CAP_CHECK_INTERVAL_MS;
    this.punchHole = options.punchHole ?? punchHead;
    this.watchLog = options.watchLog ?? ((path, onWrite) => watch(path, { persistent: false }, onWrite));
    host.on('change', (task, removed) => this.onChange(task, removed));
  }

  /**
   * Tracks every live task in the store, and every ended one whose leftovers run (each measured once,
   * after {@link CAP_CHECK_INTERVAL_MS}), and starts watching their logs.
   */
  start(): void {
    for (const row of [...this.host.store.live(), ...endedWithLeftoversRunning(this.host.store)]) {
      if (row.outputCap !== undefined) this.track(row.id, row.logPath, row.outputCap, row.droppedBytes, true);
    }
    this.started = true;
    if (this.dirty.size > 0) this.schedule(this.intervalMs);
  }

  /** Stops checking and watching; a punch already running finishes, no new one starts. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopped = true;
    for (const entry of this.tracked.values()) this.unwatch(entry);
  }

  /** Measures every live tracked log now; returns whether any was trimmed (or a trim is still running). */
  checkAll(): boolean {
    let trimmed = false;
    for (const [id, entry] of this.tracked) trimmed = this.check(id, entry) || trimmed;
    return trimmed;
  }

  /**
   * Settles when task `id` has no trim running and, if it ended, its last trim
   * is done (at once when neither). Never rejects.
   */
  settled(id: string): Promise<void> {
    return this.finishing.get(id)?.done ?? this.tracked.get(id)?.running ?? Promise.resolve();
  }

  /**
   * Runs {@link checkDirty} in `delay` ms, or sooner if one is already due sooner; nothing runs while
   * no log was written (and none is polled or being trimmed).
   */
  private schedule(delay: number): void {
    if (this.stopped || !this.started) return;
    const at = performance.now() + delay;
    if (this.timer && this.dueAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.checkDirty();
    }, delay);
    this.timer.unref();
  }

  /** Marks task `id`'s log to be measured at `at` (performance.now() ms), or earlier if it already is. */
  private mark(id: string, at: number): void {
    const due = this.dirty.get(id);
    if (due !== undefined && due <= at) return;
    this.dirty.set(id, at);
    this.schedule(Math.max(0, at - performance.now()));
  }

  /**
   * Measures the logs that are due (their watch is armed again first, so a write during the
   * measure is not missed); a log trimmed now is measured again after {@link HOT_CHECK_INTERVAL_MS},
   * a polled one after the interval.
   */
  private checkDirty(): void {
    const now = performance.now();
    for (const [id, due] of [...this.dirty]) {
      if (due > now + 1) continue;
      this.dirty.delete(id);
      const entry = this.tracked.get(id);
      if (!entry) continue;
      if (!entry.polled) this.arm(id, entry);
      entry.checkedAt = now;
      const trimming = this.check(id, entry);
      if (entry.replaced || entry.unsupported || entry.removed) {
        this.unwatch(entry);
        continue;
      }
      if (trimming) this.dirty.set(id, now + HOT_CHECK_INTERVAL_MS);
      else if (entry.polled) this.dirty.set(id, now + this.intervalMs);
    }
    if (this.dirty.size > 0) this.schedule(Math.max(0, Math.min(...this.dirty.values()) - now));
  }

  /**
   * Task `id`'s log was written: measured at once if it was not measured within the interval, else
   * one interval after its last measure — at most one measure per interval per log.
   */
  private written(id: string, entry: Tracked): void {
    this.mark(id, Math.max(performance.now(), entry.checkedAt + this.intervalMs));
  }

  /**
   * Arms task `id`'s one-shot watch: the next write (inotify IN_MODIFY) closes it and marks the log
   * for the next check, so a task that writes costs at most one check per interval, and one that
   * writes nothing costs nothing. When no watch can be set (inotify's max_user_watches reached, the
   * file gone), the log is polled every interval instead.
   */
  private arm(id: string, entry: Tracked): void {
    if (entry.watcher || this.stopped) return;
    try {
      const watcher = this.watchLog(entry.logPath, () => {
        if (entry.watcher !== watcher) return;
        this.unwatch(entry);
        this.written(id, entry);
      });
      watcher.on('error', () => {
        if (entry.watcher !== watcher) return;
        this.unwatch(entry);
        this.written(id, entry);
      });
      entry.watcher = watcher;
    } catch {
      entry.polled = true;
      this.mark(id, performance.now() + this.intervalMs);
    }
  }

  private unwatch(entry: Tracked): void {
    entry.watcher?.close();
    entry.watcher = undefined;
  }

  private onChange(task: Task, removed: boolean): void {
    if (removed) {
      const entry = this.tracked.get(task.id) ?? this.finishing.get(task.id)?.entry;
      if (entry) {
        entry.removed = true;
        this.unwatch(entry);
      }
      this.tracked.delete(task.id);
      this.dirty.delete(task.id);
      if (this.lastFinished?.id === task.id) this.lastFinished = undefined;
    } else if (isTerminal(task.state) && task.leftovers?.running) {
      // Leftovers still write to the log: it stays capped until they have ended.
      const entry = this.tracked.get(task.id) ?? this.resume(task.id);
      if (entry) entry.identity ??= this.host.logIdentity(task.id);
    } else if (isTerminal(task.state)) {
      this.finish(task.id);
    } else if (!this.tracked.has(task.id) && task.outputCapBytes !== undefined) {
      this.track(task.id, task.logPath, task.outputCapBytes, task.droppedBytes ?? 0, false);
    }
  }

  /**
   * Task `id` ended: one last trim for what it wrote since the previous check,
   * now, or after the punch still running (whose size and `droppedBytes` are
   * already out of date).
   */
  private finish(id: string): void {
    const entry = this.tracked.get(id);
    if (!entry) return;
    this.lastFinished = { id, entry };
    this.tracked.delete(id);
    this.dirty.delete(id);
    this.unwatch(entry);
    const lastTrim = (): Promise<void> | undefined => {
      this.check(id, entry);
      return entry.running;
    };
    const done = entry.running ? entry.running.then(lastTrim) : lastTrim();
    if (!done) return;
    this.finishing.set(id, { entry, done });
    void done.then(() => {
      if (this.finishing.get(id)?.done === done) this.finishing.delete(id);
    });
  }

  /**
   * Tracks again the log of task `id` {@link finish}ed last (its leftovers were found to run after its
   * end was announced): the same entry, so a last trim still running is not doubled; measured after the
   * interval. Returns it, or undefined when `id` was not the task finished last.
   */
  private resume(id: string): Tracked | undefined {
    if (this.lastFinished?.id !== id) return undefined;
    const { entry } = this.lastFinished;
    this.lastFinished = undefined;
    if (entry.removed || this.stopped) return undefined;
    this.tracked.set(id, entry);
    this.mark(id, performance.now() + this.intervalMs);
    return entry;
  }

  /** Tracks task `id`'s log: watched for writes from now on, measured once after {@link CAP_CHECK_INTERVAL_MS}. */
  private track(id: string, logPath: string, cap: number, droppedBytes: number, adopted: boolean): void {
    const entry: Tracked = {
      logPath,
      cap,
      droppedBytes,
      adopted,
      unsupported: false,
      replaced: false,
      removed: false,
      polled: false,
      checkedAt: 0,
    };
    this.tracked.set(id, entry);
    this.mark(id, performance.now() + this.intervalMs);
  }

  /** The log's stat when the path still names the file tend created; else undefined (warned once). */
  private ownLog(id: string, entry: Tracked): Stats | undefined {
    let stat: Stats;
    try {
      stat = lstatSync(entry.logPath);
    } catch {
      return undefined;
    }
    entry.identity ??=
      this.host.logIdentity(id) ??
      (entry.adopted && stat.isFile() && stat.nlink === 1 ? identityOf(stat) : undefined);
    if (stat.isFile() && entry.identity && sameFile(stat, entry.identity)) return stat;
    if (!entry.replaced && entry.identity) {
      entry.replaced = true;
      this.logger.warn(
        { task: id, logPath: entry.logPath },
        'output.log is no longer the file tend created (replaced by a symlink or another file): its disk use is not capped',
      );
    }
    return undefined;
  }

  /** Trims task `id`'s log if it is over its cap; returns whether it did (or a trim is still running). */
  private check(id: string, entry: Tracked): boolean {
    if (this.stopped || entry.unsupported || entry.replaced || entry.removed) return false;
    if (entry.running) return true;
    const stat = this.ownLog(id, entry);
    if (!stat) return false;
    const size = stat.size;
    if (size - entry.droppedBytes <= entry.cap) return false;
    const punchTo = Math.floor((size - Math.floor(entry.cap * KEEP_FRACTION)) / BLOCK_BYTES) * BLOCK_BYTES;
    if (punchTo <= entry.droppedBytes) return false;
    const fd = openOwnLog(entry.logPath, entry.identity as FileIdentity);
    if (fd === undefined) return false;
    // Readers start at a whole line: the rest of the cut line stays on disk, unserved.
    const droppedBytes = lineStartFrom(fd, punchTo, size);
    try {
      this.host.store.update(id, { droppedBytes });
    } catch (error) {
      // The store cannot be written (disk full): no trim, so no reader meets a hole; try again next check.
      closeQuietly(fd);
      this.logger.warn(
        { task: id, err: error },
        'cannot record the trimmed start of output.log; not trimming it now',
      );
      return false;
    }
    entry.droppedBytes = droppedBytes;
    entry.running = this.punch(id, entry, fd, punchTo);
    return true;
  }

  /** Deallocates bytes [0, length) of the file open as `fd`, then closes `fd`; settles (never rejects) when done. */
  private punch(id: string, entry: Tracked, fd: number, length: number): Promise<void> {
    return new Promise<void>((resolve) => resolve(this.punchHole(fd, length)))
      .catch((error: unknown) => {
        entry.unsupported = true;
        this.logger.warn(
          { task: id, err: error },
          'cannot punch holes in output.log (filesystem without fallocate punch-hole?): its disk use is not capped',
        );
      })
      .finally(() => {
        closeQuietly(fd);
        entry.running = undefined;
      });
  }
}
