import { isTerminal, MAX_TIMER_DELAY_MS } from '@tend/protocol';
import { isDiskFull } from '../runtime/disk-full.js';
import type { TaskRow } from '../store/task-store.js';

/** Delay before a timer whose action found the disk full fires again, in ms. */
export const DISK_FULL_RETRY_MS = 500;

/**
 * Per-task timers driven by deadlines stored in the row, so that they can be
 * re-armed after a daemon restart: `deadlineAt` (timeout), `expiresAt` (TTL) and
 * `killAt` (SIGKILL escalation of a stop in progress) and `restartAt` (the next run of a `restarting` task). A deadline already past fires at once.
 * An action that fails because the disk is full is tried again every
 * {@link DISK_FULL_RETRY_MS}.
 */
export class TaskTimers {
  private readonly deadlines = new Map<string, NodeJS.Timeout>();
  private readonly escalations = new Map<string, NodeJS.Timeout>();
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  private readonly restarts = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly handlers: {
      onDeadline(id: string): void;
      onEscalate(id: string): void;
      onExpire(id: string): void;
      /** The backoff of a `restarting` task ended (`restartAt`): start its next run. */
      onRestart(id: string): void;
    },
  ) {}

  /** (Re)arms the timers `row` calls for; clears them when it has ended. */
  schedule(row: TaskRow): void {
    if (isTerminal(row.state)) {
      this.clear(row.id);
      return;
    }
    if (row.deadlineAt !== undefined && row.state !== 'stopping') {
      this.arm(this.deadlines, row.id, row.deadlineAt, this.handlers.onDeadline);
    }
    if (row.expiresAt !== undefined && row.state !== 'stopping') {
      this.arm(this.expiries, row.id, row.expiresAt, this.handlers.onExpire);
    }
    if (row.killAt !== undefined && row.state === 'stopping') {
      this.arm(this.escalations, row.id, row.killAt, this.handlers.onEscalate);
    }
    if (row.restartAt !== undefined && row.state === 'restarting') {
      this.arm(this.restarts, row.id, row.restartAt, this.handlers.onRestart);
    }
  }

  /** Cancels every timer of task `id`. */
  clear(id: string): void {
    for (const map of [this.deadlines, this.escalations, this.expiries, this.restarts]) {
      const timer = map.get(id);
      if (timer) clearTimeout(timer);
      map.delete(id);
    }
  }

  /** Cancels every timer. */
  clearAll(): void {
    for (const map of [this.deadlines, this.escalations, this.expiries, this.restarts])
      for (const id of [...map.keys()]) this.clear(id);
  }

  private arm(map: Map<string, NodeJS.Timeout>, id: string, at: number, fire: (id: string) => void): void {
    const existing = map.get(id);
    if (existing) clearTimeout(existing);
    const delay = Math.max(0, at - Date.now());
    const timer = setTimeout(
      () => {
        map.delete(id);
        // Deadlines beyond setTimeout's range are reached in steps.
        if (Date.now() < at) return this.arm(map, id, at, fire);
        try {
          fire(id);
        } catch (error) {
          // The stop intent could not be recorded (nothing was signalled yet): try again, never crash.
          if (!isDiskFull(error)) throw error;
          this.arm(map, id, Date.now() + DISK_FULL_RETRY_MS, fire);
        }
      },
      Math.min(delay, MAX_TIMER_DELAY_MS),
    );
    timer.unref();
    map.set(id, timer);
  }
}
