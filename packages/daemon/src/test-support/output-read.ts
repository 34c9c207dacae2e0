import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParamsOf, parseParams, TaskOutput } from '@tend/protocol';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach } from 'vitest';
import { CursorStore } from '../store/cursor-store.js';
import { openDatabase } from '../store/db.js';
import { type TaskRow, TaskStore } from '../store/task-store.js';
import { readTaskOutput } from '../tasks/output-read.js';

// Fixture of the readTaskOutput tests (tasks/output-read-*.test.ts): a fresh database and log file
// per test, one task `t1000000` whose output is that log, and reads as a client sends them.

/** UTF-8 length of `text` in bytes. */
export const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** The marker a maxBytes read puts where it left bytes out; group 1 is their count. */
export const MARKER = /\[… (\d+) bytes omitted by tend …\]\n/;

/** The running test's temporary directory. */
export let dir: string;
/** `<dir>/tend.db`. */
export let dbPath: string;
/** The running test's database; replaced by `reopenDatabase`. */
export let db: Database.Database;
/** The stores readTaskOutput reads and writes (on `db`). */
export let deps: { store: TaskStore; cursors: CursorStore };
/** `<dir>/output.log`: the log of task t1000000. */
export let log: string;
const timers: NodeJS.Timeout[] = [];

/** Registers hooks that give each test a fresh database and log path, and afterwards clear `later` timers and remove them. */
export function useOutputRead(): void {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-output-read-'));
    dbPath = join(dir, 'tend.db');
    db = openDatabase(dbPath);
    deps = { store: new TaskStore(db), cursors: new CursorStore(db) };
    log = join(dir, 'output.log');
  });
  afterEach(() => {
    for (const timer of timers.splice(0)) clearTimeout(timer);
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** Opens `dbPath` again as `db` with new `deps` (a daemon restart, after the test closed `db`). */
export function reopenDatabase(): void {
  db = openDatabase(dbPath);
  deps = { store: new TaskStore(db), cursors: new CursorStore(db) };
}

/** Inserts task `t1` whose output is the log file of this test. */
export function insertTask(overrides: Partial<TaskRow> = {}): TaskRow {
  const row: TaskRow = {
    id: 't1000000',
    command: 'build',
    cwd: dir,
    env: {},
    inheritEnv: true,
    state: 'running',
    createdAt: Date.now(),
    logPath: log,
    outputBytes: 0,
    droppedBytes: 0,
    ...overrides,
  };
  deps.store.insert(row);
  return row;
}

/** Reads task t1000000 with params as a client sends them (validated, defaults applied). */
export const read = (params: Omit<ParamsOf<typeof TaskOutput>, 'id'>, reader = 'agent') =>
  readTaskOutput(deps, parseParams(TaskOutput, { id: 't1000000', ...params }), reader);

/** Runs `fn` after `ms` milliseconds, unless the test has ended by then. */
export const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));
