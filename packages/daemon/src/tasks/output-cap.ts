import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import type { Logger } from 'pino';
import { isTerminal, type Task } from '@tend/protocol';
import type { TaskSupervisor } from './supervisor.js';

/** How often live logs are measured against their cap, in ms. Disk use may pass the cap by what a task writes in this time. */
export const CAP_CHECK_INTERVAL_MS = 250;
/** Check interval while some log is being trimmed (a fast writer), in ms. */
export const HOT_CHECK_INTERVAL_MS = 20;
/** Share of the cap kept after a trim, so that a chatty task is not trimmed on every check. */
export const KEEP_FRACTION = 0.75;
/** Hole punching works on whole filesystem blocks; offsets are aligned down to this (bytes). */
const BLOCK_BYTES = 4096;
/** How far past the punched block the start of the next line is looked for (bytes); a longer line is kept cut. */
const LINE_SEARCH_BYTES = 64 * 1024;

/** Device and inode of the output.log tend created, to tell it from whatever the path names later. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

interface Tracked {
  logPath: string;
  /** The file tend created: from the spawn, or for a task adopted after a restart learnt at first sight (a regular file with one link). */
  identity?: FileIdentity;
  /** Tracked since daemon start (a previous daemon spawned it): no identity from a spawn to compare with. */
  adopted: boolean;
  /** The path no longer names that file (a task replaced it): warned once, no more trims. */
  replaced: boolean;
  cap: number;
  /** Bytes dropped at the head so far: the offset of the oldest byte kept. */
  droppedBytes: number;
  /** A punch is running. */
  busy: boolean;
  /** The filesystem refused to punch holes: stop trying. */
  unsupported: boolean;
}

/**
 * Keeps each live task's output.log under its cap without touching the task:
 * it still holds its O_APPEND fd, so the file cannot be renamed or truncated
 * without losing bytes or resetting offsets. Instead the oldest part is
 * deallocated in place with `fallocate --punch-hole` (util-linux; fallocate(2)
 * FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE): the file becomes sparse, its
 * size and every offset stay, the writer is never raced, and the newest output
 * is never lost. The row's `droppedBytes` is moved first, so no reader is ever
 * served the zeros of a hole.
 *
 * It acts only on the file tend created: the path is lstat'ed (a symlink is
 * never followed) and its device and inode must be the ones recorded at spawn
 * ({@link TaskSupervisor.logIdentity}); the hole is punched through a
 * descriptor opened with O_NOFOLLOW and checked again, handed to fallocate as
 * fd 3 (`/proc/self/fd/3`). A task that replaces its output.log (by a symlink,
 * another file) loses the cap, and no other file is ever touched.
 */
export class OutputCapEnforcer {
  private readonly tracked = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly supervisor: TaskSupervisor,
    private readonly logger: Logger,
    private readonly intervalMs = CAP_CHECK_INTERVAL_MS,
  ) {
    supervisor.on('change', (task, removed) => this.onChange(task, removed));
  }

  /** Tracks every live task in the store and starts the periodic check. */
  start(): void {
    for (const row of this.supervisor.store.live()) {
      if (row.outputCap !== undefined) this.track(row.id, row.logPath, row.outputCap, row.droppedBytes, true);
    }
    this.schedule(this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopped = true;
  }

  /** Measures every tracked log now; returns whether any was trimmed. */
  checkAll(): boolean {
    let trimmed = false;
    for (const id of this.tracked.keys()) trimmed = this.check(id) || trimmed;
    return trimmed;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => this.schedule(this.checkAll() ? HOT_CHECK_INTERVAL_MS : this.intervalMs),
      delay,
    );
    this.timer.unref();
  }

  private onChange(task: Task, removed: boolean): void {
    if (removed) {
      this.tracked.delete(task.id);
    } else if (isTerminal(task.state)) {
      // One last trim for what it wrote since the previous check.
      this.check(task.id);
      this.tracked.delete(task.id);
    } else if (!this.tracked.has(task.id) && task.outputCapBytes !== undefined) {
      this.track(task.id, task.logPath, task.outputCapBytes, task.droppedBytes ?? 0, false);
    }
  }

  private track(id: string, logPath: string, cap: number, droppedBytes: number, adopted: boolean): void {
    this.tracked.set(id, {
      logPath,
      cap,
      droppedBytes,
      adopted,
      busy: false,
      unsupported: false,
      replaced: false,
    });
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
      this.supervisor.logIdentity(id) ??
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

  /** Trims one log if it is over its cap; returns whether it did (or a trim is still running). */
  private check(id: string): boolean {
    const entry = this.tracked.get(id);
    if (!entry || entry.unsupported || entry.replaced) return false;
    if (entry.busy) return true;
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
      this.supervisor.store.update(id, { droppedBytes });
    } catch (error) {
      // The store cannot be written (disk full): no trim, so no reader meets a hole; try again next check.
      closeSync(fd);
      this.logger.warn(
        { task: id, err: error },
        'cannot record the trimmed start of output.log; not trimming it now',
      );
      return false;
    }
    entry.droppedBytes = droppedBytes;
    entry.busy = true;
    this.punch(id, entry, fd, punchTo);
    return true;
  }

  /** Deallocates bytes [0, length) of the file open as `fd`, then closes `fd`. */
  private punch(id: string, entry: Tracked, fd: number, length: number): void {
    let stderr = '';
    const done = (error: Error | undefined): void => {
      if (!entry.busy) return;
      entry.busy = false;
      closeSync(fd);
      if (!error) return;
      entry.unsupported = true;
      this.logger.warn(
        { task: id, err: error, stderr: stderr.trim() },
        'cannot punch holes in output.log (filesystem without fallocate punch-hole?): its disk use is not capped',
      );
    };
    const child = spawn(
      'fallocate',
      ['--punch-hole', '--offset', '0', '--length', String(length), '/proc/self/fd/3'],
      {
        stdio: ['ignore', 'ignore', 'pipe', fd],
      },
    );
    child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', (error) => done(error));
    child.on('close', (code, signal) =>
      done(
        code === 0
          ? undefined
          : new Error(`fallocate ended with ${signal ? `signal ${signal}` : `exit code ${code}`}`),
      ),
    );
  }
}

function identityOf(stat: Stats): FileIdentity {
  return { dev: stat.dev, ino: stat.ino };
}

function sameFile(stat: Stats, identity: FileIdentity): boolean {
  return stat.dev === identity.dev && stat.ino === identity.ino;
}

/** Opens `path` for reading and writing without following a symlink; the descriptor only if it is still the file `identity`. */
function openOwnLog(path: string, identity: FileIdentity): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  const stat = fstatSync(fd);
  if (stat.isFile() && sameFile(stat, identity)) return fd;
  closeSync(fd);
  return undefined;
}

/**
 * The offset of the first line that starts at or after `from` in the log open
 * as `fd` (of `size` bytes): `from` when the byte before it is a newline, else
 * just past the next newline within {@link LINE_SEARCH_BYTES}; `from` itself
 * when there is none (one very long line) or the log cannot be read.
 */
export function lineStartFrom(fd: number, from: number, size: number): number {
  if (from <= 0) return from;
  const length = Math.min(size - from + 1, LINE_SEARCH_BYTES + 1);
  const buffer = Buffer.alloc(length);
  try {
    const bytesRead = readSync(fd, buffer, 0, length, from - 1);
    const newline = buffer.subarray(0, bytesRead).indexOf(10);
    return newline === -1 ? from : from + newline;
  } catch {
    return from;
  }
}
