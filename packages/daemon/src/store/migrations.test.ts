import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { TaskStore } from './task-store.js';

/** user_version of the schema whose tasks table still had `output_start`. */
const BEFORE_RENAME = 5;

describe('migration 6: output_start → dropped_bytes', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-migrate-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('renames the column of a database of the previous schema and keeps every value', () => {
    const path = join(dir, 'tend.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.slice(0, BEFORE_RENAME)) old.exec(migration);
    old.pragma(`user_version = ${BEFORE_RENAME}`);
    old
      .prepare(
        `INSERT INTO tasks (id, command, cwd, state, created_at, log_path, output_bytes, output_cap, output_start)
         VALUES ('capped1', 'yes', '/', 'running', 1000, '/state/tasks/capped1/output.log', 90000, 65536, 24576)`,
      )
      .run();
    old.close();

    const db = openDatabase(path);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      const columns = (db.pragma('table_info(tasks)') as { name: string }[]).map((c) => c.name);
      expect(columns).toContain('dropped_bytes');
      expect(columns).not.toContain('output_start');
      const row = new TaskStore(db).get('capped1');
      expect(row).toMatchObject({ droppedBytes: 24_576, outputBytes: 90_000, outputCap: 65_536 });
    } finally {
      db.close();
    }
  });

  it('creates dropped_bytes with default 0 on a new database', () => {
    const db = openDatabase(join(dir, 'tend.db'));
    try {
      db.prepare(
        `INSERT INTO tasks (id, command, cwd, state, created_at, log_path) VALUES ('new1', 'true', '/', 'running', 1, '/l')`,
      ).run();
      expect(new TaskStore(db).get('new1')?.droppedBytes).toBe(0);
    } finally {
      db.close();
    }
  });
});
