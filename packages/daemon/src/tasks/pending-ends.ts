import type { Logger } from 'pino';
import { isDiskFull } from '../runtime/disk-full.js';

/** How often ends that could not be written (disk full) are tried again, in ms. */
export const PENDING_RETRY_MS = 500;

/**
 * Task ends whose database write failed for lack of space, kept in memory and
 * written again every {@link PENDING_RETRY_MS} until the disk has room. The
 * exit record on disk stays the source of truth: a daemon that dies meanwhile
 * loses nothing, the next one reads the records.
 */
export class PendingEnds {
  private readonly commits = new Map<string, () => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly retryMs = PENDING_RETRY_MS,
  ) {}

  /** True while task `id`'s end waits for space. */
  has(id: string): boolean {
    return this.commits.has(id);
  }

  /** Number of ends waiting for space. */
  get size(): number {
    return this.commits.size;
  }

  /**
   * Runs `commit` (the write of task `id`'s end) now; when it fails because the
   * disk is full, keeps it and retries it later.
   * @returns true when written now, false when kept for later.
   * @throws what `commit` throws for any other reason.
   */
  attempt(id: string, commit: () => void): boolean {
    try {
      commit();
      return true;
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      this.commits.set(id, commit);
      this.logger.warn(
        { task: id, err: error, pending: this.commits.size },
        'disk full: the task end is kept in memory and written once there is space',
      );
      this.timer ??= setInterval(() => this.retry(), this.retryMs);
      this.timer.unref();
      return false;
    }
  }

  /** Writes the kept ends in the order they came, stopping at the first that still finds no space. */
  retry(): void {
    for (const [id, commit] of [...this.commits]) {
      try {
        commit();
        this.commits.delete(id);
      } catch (error) {
        if (isDiskFull(error)) return;
        // Not a space problem: the next daemon start ends it from its exit record.
        this.commits.delete(id);
        this.logger.error({ task: id, err: error }, 'cannot record the end of the task');
      }
    }
    if (this.commits.size === 0) this.stop();
  }

  /** Stops retrying (at shutdown; the exit records remain for the next daemon). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
