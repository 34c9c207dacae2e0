import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sqliteBinding } from '../store/sqlite-binding.js';

/** Raised when another daemon holds the lock. */
export class DaemonLockedError extends Error {
  override name = 'DaemonLockedError';
}

/** The single-instance lock; release it by closing. */
export interface DaemonLock {
  release(): void;
}

/**
 * Takes the per-user daemon lock at `lockPath`. The lock is an exclusive SQLite
 * lock (fcntl record lock, released by the kernel when the process dies, so a
 * `kill -9`ed daemon never leaves a stale lock); `locking_mode=EXCLUSIVE` keeps
 * it held after `BEGIN EXCLUSIVE` until the handle is closed (sqlite.org/pragma.html#pragma_locking_mode).
 * @throws DaemonLockedError when another process holds it.
 */
export function acquireDaemonLock(lockPath: string): DaemonLock {
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
