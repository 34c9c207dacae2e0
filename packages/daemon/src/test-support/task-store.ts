import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach } from 'vitest';
import { openDatabase } from '../store/db.js';
import { TaskStore, type TaskRow } from '../store/task-store.js';

// Fixture of the TaskStore tests (store/task-store-*.test.ts): a fresh database per test.

/** The running test's temporary directory, holding `tend.db`. */
export let dir: string;
/** The running test's database (`<dir>/tend.db`, migrated); replaced by `reopenDatabase`. */
export let db: Database.Database;
/** A TaskStore on `db`. */
export let store: TaskStore;

/** Registers hooks that open a fresh database and store before each test, and close and remove it after. */
export function useTaskStore(): void {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-store-'));
    db = openDatabase(join(dir, 'tend.db'));
    store = new TaskStore(db);
  });
  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** Opens `<dir>/tend.db` again as `db` (after the test closed it); `store` still points at the old one. */
export function reopenDatabase(): void {
  db = openDatabase(join(dir, 'tend.db'));
}

/** A minimal row with the required fields; `overrides` win. */
export function row(overrides: Partial<TaskRow> & { id: string }): TaskRow {
  return {
    command: 'echo hi',
    cwd: '/work',
    env: {},
    inheritEnv: true,
    state: 'running',
    createdAt: 1_000,
    logPath: `/state/tasks/${overrides.id}/output.log`,
    outputBytes: 0,
    droppedBytes: 0,
    ...overrides,
  };
}
