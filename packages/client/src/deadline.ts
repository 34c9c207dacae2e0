import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Retry schedule for reaching the socket: first wait 10 ms, then ×1.5 each time, capped at 200 ms. */
export const BACKOFF = { initialMs: 10, factor: 1.5, maxMs: 200 } as const;

/**
 * Waits between connection attempts, never past `deadline` (epoch ms).
 * @returns false, without waiting, when the deadline has already passed.
 */
export class Backoff {
  private delayMs: number = BACKOFF.initialMs;

  constructor(private readonly deadline: number) {}

  /** ms left until the deadline (0 when passed). */
  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  /** Sleeps for the next delay (cut to the deadline) and returns true, or returns false when the deadline passed. */
  async wait(): Promise<boolean> {
    const remaining = this.remainingMs();
    if (remaining <= 0) return false;
    await sleep(Math.min(this.delayMs, remaining));
    this.delayMs = Math.min(this.delayMs * BACKOFF.factor, BACKOFF.maxMs);
    return true;
  }
}

/**
 * Polls until process `pid` no longer exists (kill(pid, 0) fails with ESRCH, or
 * it is a zombie), on the {@link BACKOFF} schedule. Used by connect (replacing
 * an older daemon) and by `tend daemon stop`.
 * @returns true once it is gone, false if it still exists at `deadline` (epoch ms).
 */
export async function waitForPidGone(pid: number, deadline: number): Promise<boolean> {
  const backoff = new Backoff(deadline);
  do {
    if (!pidExists(pid)) return true;
  } while (await backoff.wait());
  return !pidExists(pid);
}

/**
 * True while process `pid` exists and is not a zombie (an EPERM answer counts as
 * existing). pid ≤ 1 and non-integers count as absent: no daemon is there.
 */
export function pidExists(pid: number): boolean {
  // kill(0 or -1, 0) would probe a whole group; 1 is init. None of them is a daemon we may wait on.
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 0);
    // A zombie has exited; a PID 1 that reaps late keeps it listed (proc(5): state Z).
    return !isZombie(pid);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Resolves or rejects as `promise` does, unless `deadline` (epoch ms) passes
 * first: then rejects with `onTimeout()`. The timer is cleared either way.
 */
export async function withDeadline<T>(
  promise: Promise<T>,
  deadline: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false;
  }
}
