import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sqliteBinding } from './sqlite-binding.js';
import { MIGRATIONS } from './migrations.js';

/** Busy timeout for the database, in ms: how long a statement waits for a lock held by another connection. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the task database at `path` in WAL mode (a committed transaction
 * survives `kill -9`; sqlite.org/wal.html) and brings its schema up to date.
 * `synchronous=NORMAL` is durable across process crashes in WAL mode; only a
 * power loss may roll back the last transactions (sqlite.org/pragma.html#pragma_synchronous).
 * The database, its WAL and shared-memory files are made 0600 (they hold each
 * task's command and environment): SQLite creates them 0644 less the umask,
 * and gives the WAL and -shm the mode of the database file (sqlite.org/tempfiles.html).
 * @throws Error when the file is not a database or its schema is newer than this daemon's.
 */
export function openDatabase(path: string): Database.Database {
  makePrivate(path);
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS, ...sqliteBinding() });
  try {
    makePrivate(path);
    db.pragma('journal_mode = WAL');
    for (const suffix of ['-wal', '-shm']) makePrivate(path + suffix);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** chmod 0600 without opening the file (an fd to it closed here would drop SQLite's locks); absent files are skipped. */
function makePrivate(path: string): void {
  try {
    chmodSync(path, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Applies the migrations that `PRAGMA user_version` says are missing, each in
 * its own transaction together with the version bump.
 * @throws Error when the database's version is newer than the migrations known here.
 */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this tend (knows ${MIGRATIONS.length}); upgrade tend`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
