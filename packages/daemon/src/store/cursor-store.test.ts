import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CursorStore } from './cursor-store.js';
import { openDatabase } from './db.js';

describe('CursorStore', () => {
  let dir: string;
  let dbPath: string;
  let db: Database.Database;
  let cursors: CursorStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-cursors-'));
    dbPath = join(dir, 'tend.db');
    db = openDatabase(dbPath);
    cursors = new CursorStore(db);
  });

  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives 0 for a reader that never read the task', () => {
    expect(cursors.get('task0001', 'agent')).toBe(0);
  });

  it('returns the offset last set for a task and reader, overwriting the earlier one', () => {
    cursors.set('task0001', 'agent', 120);
    expect(cursors.get('task0001', 'agent')).toBe(120);
    cursors.set('task0001', 'agent', 4_096);
    expect(cursors.get('task0001', 'agent')).toBe(4_096);
  });

  it('keeps separate cursors per task and per reader', () => {
    cursors.set('task0001', 'alice', 10);
    cursors.set('task0001', 'bob', 20);
    cursors.set('task0002', 'alice', 30);
    expect(cursors.get('task0001', 'alice')).toBe(10);
    expect(cursors.get('task0001', 'bob')).toBe(20);
    expect(cursors.get('task0002', 'alice')).toBe(30);
    expect(cursors.get('task0002', 'bob')).toBe(0);
  });

  it('holds offsets beyond 32 bits exactly', () => {
    cursors.set('task0001', 'agent', 2 ** 40 + 3);
    expect(cursors.get('task0001', 'agent')).toBe(2 ** 40 + 3);
  });

  it('forgets every cursor of a deleted task and no other', () => {
    cursors.set('task0001', 'alice', 10);
    cursors.set('task0001', 'bob', 20);
    cursors.set('task0002', 'alice', 30);
    cursors.deleteTask('task0001');
    expect(cursors.get('task0001', 'alice')).toBe(0);
    expect(cursors.get('task0001', 'bob')).toBe(0);
    expect(cursors.get('task0002', 'alice')).toBe(30);
  });

  it('keeps cursors after the database is closed and opened again', () => {
    cursors.set('task0001', 'agent', 77);
    db.close();
    db = openDatabase(dbPath);
    expect(new CursorStore(db).get('task0001', 'agent')).toBe(77);
  });
});
