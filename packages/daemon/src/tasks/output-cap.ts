import { execFile } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
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

interface Tracked {
  logPath: string;
  cap: number;
  start: number;
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
 * is never lost. The row's `outputStart` is moved first, so no reader is ever
 * served the zeros of a hole.
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
      if (row.outputCap !== undefined) this.track(row.id, row.logPath, row.outputCap, row.outputStart);
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
    this.timer = setTimeout(() => this.schedule(this.checkAll() ? HOT_CHECK_INTERVAL_MS : this.intervalMs), delay);
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
      this.track(task.id, task.logPath, task.outputCapBytes, task.droppedBytes ?? 0);
    }
  }

  private track(id: string, logPath: string, cap: number, start: number): void {
    this.tracked.set(id, { logPath, cap, start, busy: false, unsupported: false });
  }

  /** Trims one log if it is over its cap; returns whether it did (or a trim is still running). */
  private check(id: string): boolean {
    const entry = this.tracked.get(id);
    if (!entry || entry.unsupported) return false;
    if (entry.busy) return true;
    let size: number;
    try {
      size = statSync(entry.logPath).size;
    } catch {
      return false;
    }
    if (size - entry.start <= entry.cap) return false;
    const punchTo = Math.floor((size - Math.floor(entry.cap * KEEP_FRACTION)) / BLOCK_BYTES) * BLOCK_BYTES;
    if (punchTo <= entry.start) return false;
    // Readers start at a whole line: the rest of the cut line stays on disk, unserved.
    const newStart = lineStartFrom(entry.logPath, punchTo, size);
    entry.start = newStart;
    this.supervisor.store.update(id, { outputStart: newStart });
    entry.busy = true;
    execFile(
      'fallocate',
      ['--punch-hole', '--offset', '0', '--length', String(punchTo), entry.logPath],
      (error, _stdout, stderr) => {
        entry.busy = false;
        if (!error) return;
        entry.unsupported = true;
        this.logger.warn(
          { task: id, err: error, stderr: String(stderr).trim() },
          'cannot punch holes in output.log (filesystem without fallocate punch-hole?): its disk use is not capped',
        );
      },
    );
    return true;
  }
}

/**
 * The offset of the first line that starts at or after `from` in the log at
 * `path` (of `size` bytes): `from` when the byte before it is a newline, else
 * just past the next newline within {@link LINE_SEARCH_BYTES}; `from` itself
 * when there is none (one very long line) or the log cannot be read.
 */
export function lineStartFrom(path: string, from: number, size: number): number {
  if (from <= 0) return from;
  const length = Math.min(size - from + 1, LINE_SEARCH_BYTES + 1);
  const buffer = Buffer.alloc(length);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const bytesRead = readSync(fd, buffer, 0, length, from - 1);
    const newline = buffer.subarray(0, bytesRead).indexOf(10);
    return newline === -1 ? from : from + newline;
  } catch {
    return from;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
