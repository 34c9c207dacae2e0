import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { TaskStore } from './task-store.js';
import { row } from '../test-support/task-store.js';

// openDatabase: WAL mode, migrations applied once, and a newer schema refused.

describe('openDatabase', () => {
  let dir: string;
  const opened: Database.Database[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-db-'));
  });

  afterEach(() => {
    for (const db of opened.splice(0)) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the database in WAL mode', () => {
    const db = openDatabase(join(dir, 'tend.db'));
    opened.push(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('leaves user_version at the number of migrations when opened twice', () => {
    expect(MIGRATIONS.length).toBeGreaterThan(0);
    const path = join(dir, 'tend.db');
    const first = openDatabase(path);
    expect(first.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    first.close();
    const second = openDatabase(path);
    opened.push(second);
    expect(second.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    // The schema is usable after the second open (no migration ran twice).
    const store = new TaskStore(second);
    store.insert(row({ id: 'twice001' }));
    expect(store.get('twice001')?.id).toBe('twice001');
  });

  it('refuses a database whose schema version is newer than this daemon knows, saying to upgrade', () => {
    const path = join(dir, 'tend.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(
      `database schema version ${MIGRATIONS.length + 1} is newer than this tend (knows ${MIGRATIONS.length}); upgrade tend`,
    );
    // The refused database was not migrated down or touched.
    const check = new Database(path);
    opened.push(check);
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
  });
});
