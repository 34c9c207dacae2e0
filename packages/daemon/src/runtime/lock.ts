import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sqliteBinding } from '../store/sqlite-binding.js';

/** Raised when another daemon holds the lock. */
export class DaemonLockedError extends Error {
  override name = 'DaemonLockedError';
}

/**
 * How long a daemon keeps trying for a busy lock, in ms, each try after a random 5–25 ms pause. Two daemons
 * starting at once on a new lock file can both get SQLITE_BUSY: each holds the shared lock its first read
 * takes (kept in EXCLUSIVE locking mode) while asking for the exclusive one, and SQLite's busy timeout does
 * not help (it refuses a wait that could deadlock). Both then close, freeing the file, and a retry lets one
 * in (two concurrent `tend up` in a fresh home both timed out after 10 s without it, CI 2026-12-01; the
 * race test in lock.test.ts reproduces it). The price: a daemon started while another runs says so after
 * this long.
 */
export const LOCK_RETRY_MS = 500;

/** The single-instance lock; release it by closing. */
export interface DaemonLock {
  release(): void;
}

/**
 * Takes the per-user daemon lock at `lockPath`. The lock is an exclusive SQLite
 * lock (fcntl record lock, released by the kernel when the process dies, so a
 * `kill -9`ed daemon never leaves a stale lock); `locking_mode=EXCLUSIVE` keeps
 * it held after `BEGIN EXCLUSIVE` until the handle is closed (sqlite.org/pragma.html#pragma_locking_mode).
 * @param retryMs how long to keep trying a busy lock (see {@link LOCK_RETRY_MS}), in ms.
 * @throws DaemonLockedError when another process holds it.
 */
export function acquireDaemonLock(lockPath: string, retryMs = LOCK_RETRY_MS): DaemonLock {
  const giveUpAt = Date.now() + retryMs;
  for (;;) {
    try {
      return tryDaemonLock(lockPath);
    } catch (error) {
      if (!(error instanceof DaemonLockedError) || Date.now() >= giveUpAt) throw error;
      // A synchronous pause: the daemon takes its lock before it serves anything.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
    }
  }
}

/** One try at the lock. @throws DaemonLockedError when it is busy. */
function tryDaemonLock(lockPath: string): DaemonLock {
  const db = new Database(lockPath, { timeout: 0, ...sqliteBinding() });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new DaemonLockedError(`another tend daemon holds ${lockPath}`, { cause: error });
    }
    throw error;
  }
  chmodSync(lockPath, 0o600);
  return {
    release() {
      if (db.open) db.close();
    },
  };
}
