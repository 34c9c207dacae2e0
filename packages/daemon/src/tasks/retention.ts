import type { Logger } from 'pino';
import type { TaskState } from '@tend/protocol';
import type { RetentionStore } from '../store/retention-store.js';
import type { TaskRow } from '../store/task-store.js';
import type { TaskSupervisor } from './supervisor.js';
import { taskFolderBytes } from './task-folder.js';

/** Limits of {@link TaskRetention} (config.json: keepEndedTasks, keepEndedDays, retentionSweepMs). */
export interface RetentionLimits {
  /** Most ended tasks kept, newest end first. */
  keepEndedTasks: number;
  /** Days an ended task is kept after its end (fractions allowed). */
  keepEndedDays: number;
  /** ms between two applications of the age limit. */
  sweepMs: number;
}

/** A prune request (task/prune): ended tasks matching every given condition. */
export interface PruneRequest {
  /** Only tasks that ended at least this long ago, in ms. */
  olderThanMs?: number;
  /** Only tasks in these ended states. */
  states?: readonly TaskState[];
  /** Report what would be removed without removing it. */
  dryRun?: boolean;
}

/** What a sweep or a prune removed (or, dry, would remove): task ids, oldest end first, and disk bytes freed. */
export interface PruneOutcome {
  removed: string[];
  bytesFreed: number;
}

const DAY_MS = 86_400_000;

/**
 * Applies the retention limits to ended tasks: at start-up, after every task
 * end (the count limit; one cheap indexed query), and every `sweepMs` (the
 * age limit). Live tasks are never touched: the store only ever picks and
 * deletes rows in an ended state.
 */
export class TaskRetention {
  private timer: NodeJS.Timeout | undefined;
  private pending = false;
  private readonly onExit = () => this.schedule();

  constructor(
    private readonly supervisor: TaskSupervisor,
    private readonly store: RetentionStore,
    private limits: RetentionLimits,
    private readonly logger: Logger,
  ) {}

  /** Applies new limits (a reloaded config.json) at once, and re-arms the periodic sweep when running. */
  setLimits(limits: RetentionLimits): void {
    this.limits = limits;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.safeSweep(), limits.sweepMs);
      this.timer.unref();
    }
    this.schedule();
  }

  /** Sweeps now, then after every task end and every `sweepMs`. */
  start(): void {
    this.safeSweep();
    this.supervisor.on('exit', this.onExit);
    this.timer = setInterval(() => this.safeSweep(), this.limits.sweepMs);
    this.timer.unref();
  }

  stop(): void {
    this.supervisor.off('exit', this.onExit);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Removes ended tasks beyond the count limit or older than the age limit. */
  sweep(now = Date.now()): PruneOutcome {
    const ids = this.store.select({
      keep: this.limits.keepEndedTasks,
      endedBefore: now - this.limits.keepEndedDays * DAY_MS,
    });
    const outcome = this.forgetAll(ids);
    if (outcome.removed.length > 0) {
      this.logger.info(
        { removed: outcome.removed.length, bytesFreed: outcome.bytesFreed },
        'retention removed ended tasks',
      );
    }
    return outcome;
  }

  /** Removes (or, with `dryRun`, lists) the ended tasks matching `request`. */
  prune(request: PruneRequest, now = Date.now()): PruneOutcome {
    const ids = this.store.matching({
      ...(request.olderThanMs !== undefined ? { endedBefore: now - request.olderThanMs } : {}),
      ...(request.states ? { states: request.states } : {}),
    });
    if (request.dryRun) {
      const tasksDir = this.supervisor.options.tasksDir;
      return { removed: ids, bytesFreed: ids.reduce((sum, id) => sum + taskFolderBytes(tasksDir, id), 0) };
    }
    const outcome = this.forgetAll(ids);
    this.logger.info(
      { removed: outcome.removed.length, bytesFreed: outcome.bytesFreed },
      'pruned ended tasks',
    );
    return outcome;
  }

  /** One sweep after the current burst of task ends (coalesced). */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      // Not after stop(): the database may be closed by then.
      if (this.timer !== undefined) this.safeSweep();
    });
  }

  /** A sweep whose failure (a full disk, a busy database) is logged, never thrown into a timer. */
  private safeSweep(): void {
    try {
      this.sweep();
    } catch (error) {
      this.logger.error({ err: error }, 'retention sweep failed');
    }
  }

  private forgetAll(ids: readonly string[]): PruneOutcome {
    const removed: string[] = [];
    let bytesFreed = 0;
    for (const id of ids) {
      const row = this.supervisor.store.get(id) as TaskRow | undefined;
      const bytes = row ? this.supervisor.forget(row) : undefined;
      if (bytes === undefined) continue;
      removed.push(id);
      bytesFreed += bytes;
    }
    return { removed, bytesFreed };
  }
}
