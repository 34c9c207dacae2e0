import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { NameTakenError, TaskStore, type TaskRow } from './task-store.js';

/** A minimal row with the required fields; `overrides` win. */
function row(overrides: Partial<TaskRow> & { id: string }): TaskRow {
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

describe('TaskStore', () => {
  let dir: string;
  let db: Database.Database;
  let store: TaskStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-store-'));
    db = openDatabase(join(dir, 'tend.db'));
    store = new TaskStore(db);
  });

  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns every field of an inserted row unchanged, including env JSON and the inheritEnv boolean', () => {
    const full: TaskRow = {
      id: 'abcd1234',
      name: 'build',
      command: 'make -j8 && echo "done"',
      cwd: '/home/me/project',
      env: { FOO: 'bar', EMPTY: '', 'WITH SPACE': 'a=b "c"', UNICODE: 'é日😀' },
      inheritEnv: false,
      capturedEnv: { PATH: '/home/me/bin:/usr/bin', SECRET: 's3cr3t', EMPTY: '' },
      umask: 0o077,
      session: 'session-1',
      state: 'stopping',
      reason: 'killed by user',
      pid: 4242,
      pgid: 4242,
      startTicks: 123456789,
      bootId: '0b1c2d3e-0000-4000-8000-123456789abc',
      exitCode: 137,
      signal: 'SIGKILL',
      createdAt: 1_700_000_000_000,
      startedAt: 1_700_000_000_010,
      endedAt: 1_700_000_005_000,
      timeoutMs: 60_000,
      deadlineAt: 1_700_000_060_010,
      killAt: 1_700_000_006_000,
      stopCause: 'user',
      logPath: '/state/tasks/abcd1234/output.log',
      outputBytes: 98_765,
      outputCap: 1_048_576,
      droppedBytes: 4_096,
    };
    store.insert(full);
    expect(store.get('abcd1234')).toStrictEqual(full);
  });

  it('omits optional fields that were not set instead of returning them as null or undefined', () => {
    store.insert(row({ id: 'minimal1', inheritEnv: true }));
    const got = store.get('minimal1');
    expect(got).toStrictEqual({
      id: 'minimal1',
      command: 'echo hi',
      cwd: '/work',
      env: {},
      inheritEnv: true,
      state: 'running',
      createdAt: 1_000,
      logPath: '/state/tasks/minimal1/output.log',
      outputBytes: 0,
      droppedBytes: 0,
    });
    expect(Object.keys(got as object)).not.toContain('name');
    expect(Object.keys(got as object)).not.toContain('pid');
  });

  it('returns undefined for an id that no row has', () => {
    expect(store.get('nope0000')).toBeUndefined();
  });

  it('sets the given fields on update and clears a column whose patch value is undefined', () => {
    store.insert(row({ id: 'upd00001', pid: 10, pgid: 10, reason: 'starting up', killAt: 5 }));
    expect(
      store.update('upd00001', {
        state: 'succeeded',
        exitCode: 0,
        endedAt: 2_000,
        killAt: undefined,
        reason: undefined,
      }),
    ).toBe(true);
    const got = store.get('upd00001') as TaskRow;
    expect(got.state).toBe('succeeded');
    expect(got.exitCode).toBe(0);
    expect(got.endedAt).toBe(2_000);
    expect(got.pid).toBe(10);
    expect('killAt' in got).toBe(false);
    expect('reason' in got).toBe(false);
  });

  it('stores env and inheritEnv given in an update in their column forms', () => {
    store.insert(row({ id: 'upd00002', env: { A: '1' }, inheritEnv: true }));
    store.update('upd00002', { env: { B: '2', C: '3' }, inheritEnv: false });
    const got = store.get('upd00002') as TaskRow;
    expect(got.env).toStrictEqual({ B: '2', C: '3' });
    expect(got.inheritEnv).toBe(false);
  });

  it('returns false from update when no row has the id, and true for an empty patch on an existing row', () => {
    expect(store.update('missing0', { state: 'failed' })).toBe(false);
    store.insert(row({ id: 'exists01' }));
    expect(store.update('exists01', {})).toBe(true);
    expect(store.update('missing0', {})).toBe(false);
  });

  describe('list', () => {
    beforeEach(() => {
      store.insert(row({ id: 'l0000001', name: 'web', cwd: '/a', state: 'succeeded', createdAt: 100 }));
      store.insert(row({ id: 'l0000002', name: 'web', cwd: '/b', state: 'running', createdAt: 200 }));
      store.insert(row({ id: 'l0000003', name: 'db', cwd: '/a', state: 'failed', createdAt: 300 }));
      store.insert(row({ id: 'l0000004', cwd: '/a', state: 'starting', createdAt: 400 }));
      store.insert(row({ id: 'l0000005', name: 'web', cwd: '/a', state: 'killed', createdAt: 500 }));
    });

    const ids = (rows: TaskRow[]) => rows.map((r) => r.id);

    it('lists every task newest first when no filter is given', () => {
      expect(ids(store.list({ limit: 100 }))).toEqual([
        'l0000005',
        'l0000004',
        'l0000003',
        'l0000002',
        'l0000001',
      ]);
    });

    it('keeps only the tasks in the given states', () => {
      expect(ids(store.list({ states: ['running', 'starting'], limit: 100 }))).toEqual([
        'l0000004',
        'l0000002',
      ]);
      expect(ids(store.list({ states: ['failed'], limit: 100 }))).toEqual(['l0000003']);
    });

    it('treats an empty states array as no state filter', () => {
      expect(store.list({ states: [], limit: 100 })).toHaveLength(5);
    });

    it('keeps only the tasks with the given name', () => {
      expect(ids(store.list({ name: 'web', limit: 100 }))).toEqual(['l0000005', 'l0000002', 'l0000001']);
    });

    it('keeps only the tasks with the given cwd', () => {
      expect(ids(store.list({ cwd: '/a', limit: 100 }))).toEqual([
        'l0000005',
        'l0000004',
        'l0000003',
        'l0000001',
      ]);
    });

    it('combines filters with AND', () => {
      expect(
        ids(store.list({ name: 'web', cwd: '/a', states: ['succeeded', 'running'], limit: 100 })),
      ).toEqual(['l0000001']);
    });

    it('returns at most limit tasks, the newest ones', () => {
      expect(ids(store.list({ limit: 2 }))).toEqual(['l0000005', 'l0000004']);
    });

    it('orders tasks created in the same millisecond by insertion, newest first', () => {
      store.insert(row({ id: 'zz000001', createdAt: 900 }));
      store.insert(row({ id: 'aa000001', createdAt: 900 }));
      expect(ids(store.list({ limit: 2 }))).toEqual(['aa000001', 'zz000001']);
    });
  });

  describe('list by session and workspace root', () => {
    const ids = (rows: TaskRow[]) => rows.map((r) => r.id).sort();

    it('keeps only the tasks started by the given session', () => {
      store.insert(row({ id: 's0000001', session: 'alpha', createdAt: 1 }));
      store.insert(row({ id: 's0000002', session: 'beta', createdAt: 2 }));
      store.insert(row({ id: 's0000003', createdAt: 3 }));
      store.insert(row({ id: 's0000004', session: 'alpha', createdAt: 4 }));
      expect(store.list({ session: 'alpha', limit: 100 }).map((r) => r.id)).toEqual(['s0000004', 's0000001']);
      expect(ids(store.list({ session: 'beta', limit: 100 }))).toEqual(['s0000002']);
      expect(store.list({ session: 'gamma', limit: 100 })).toEqual([]);
    });

    it('matches the root directory and every directory below it, but not a sibling that shares its prefix', () => {
      store.insert(row({ id: 'w0000001', cwd: '/a/b' }));
      store.insert(row({ id: 'w0000002', cwd: '/a/b/c' }));
      store.insert(row({ id: 'w0000003', cwd: '/a/b/c/d e' }));
      store.insert(row({ id: 'w0000004', cwd: '/a/bc' }));
      store.insert(row({ id: 'w0000005', cwd: '/a' }));
      store.insert(row({ id: 'w0000006', cwd: '/x/a/b' }));
      expect(ids(store.list({ cwd: '/a/b', limit: 100 }))).toEqual(['w0000001', 'w0000002', 'w0000003']);
      expect(ids(store.list({ cwd: '/a/b/', limit: 100 }))).toEqual(['w0000001', 'w0000002', 'w0000003']);
      expect(ids(store.list({ cwd: '/a', limit: 100 }))).toEqual([
        'w0000001',
        'w0000002',
        'w0000003',
        'w0000004',
        'w0000005',
      ]);
      expect(ids(store.list({ cwd: '/a/b/c', limit: 100 }))).toEqual(['w0000002', 'w0000003']);
    });

    it('matches every task for the root /', () => {
      store.insert(row({ id: 'w0000001', cwd: '/' }));
      store.insert(row({ id: 'w0000002', cwd: '/a/b' }));
      expect(ids(store.list({ cwd: '/', limit: 100 }))).toEqual(['w0000001', 'w0000002']);
    });

    it('treats % and _ in the root as literal characters, not LIKE wildcards', () => {
      store.insert(row({ id: 'e0000001', cwd: '/p/100%/x' }));
      store.insert(row({ id: 'e0000002', cwd: '/p/100abc/x' }));
      store.insert(row({ id: 'e0000003', cwd: '/p/my_app/src' }));
      store.insert(row({ id: 'e0000004', cwd: '/p/myXapp/src' }));
      store.insert(row({ id: 'e0000005', cwd: '/p/back\\slash/src' }));
      store.insert(row({ id: 'e0000006', cwd: '/p/backXslash/src' }));
      expect(ids(store.list({ cwd: '/p/100%', limit: 100 }))).toEqual(['e0000001']);
      expect(ids(store.list({ cwd: '/p/my_app', limit: 100 }))).toEqual(['e0000003']);
      expect(ids(store.list({ cwd: '/p/back\\slash', limit: 100 }))).toEqual(['e0000005']);
    });

    it('compares paths case-sensitively, as Linux does, for directories below the root too', () => {
      store.insert(row({ id: 'c0000001', cwd: '/work/app' }));
      store.insert(row({ id: 'c0000002', cwd: '/work/app/src' }));
      store.insert(row({ id: 'c0000003', cwd: '/work/App/src' }));
      expect(ids(store.list({ cwd: '/work/App', limit: 100 }))).toEqual(['c0000003']);
      expect(ids(store.list({ cwd: '/work/app', limit: 100 }))).toEqual(['c0000001', 'c0000002']);
    });

    it('combines the session and workspace filters', () => {
      store.insert(row({ id: 'm0000001', cwd: '/a/b', session: 's1' }));
      store.insert(row({ id: 'm0000002', cwd: '/a/b/c', session: 's2' }));
      store.insert(row({ id: 'm0000003', cwd: '/a/bc', session: 's1' }));
      expect(ids(store.list({ cwd: '/a/b', session: 's1', limit: 100 }))).toEqual(['m0000001']);
    });
  });

  it('finds rows by id prefix, sorted by id, and none for a prefix no id has', () => {
    store.insert(row({ id: 'abc00002' }));
    store.insert(row({ id: 'abc00001' }));
    store.insert(row({ id: 'abd00001' }));
    expect(store.byPrefix('abc').map((r) => r.id)).toEqual(['abc00001', 'abc00002']);
    expect(store.byPrefix('abd').map((r) => r.id)).toEqual(['abd00001']);
    expect(store.byPrefix('ab').map((r) => r.id)).toEqual(['abc00001', 'abc00002', 'abd00001']);
    expect(store.byPrefix('xyz')).toEqual([]);
  });

  it('returns at most 10 rows for a prefix many ids share', () => {
    for (let i = 0; i < 12; i++) store.insert(row({ id: `p${String(i).padStart(7, '0')}` }));
    expect(store.byPrefix('p')).toHaveLength(10);
  });

  it('finds by name the live task even when an ended task of that name is newer', () => {
    store.insert(row({ id: 'live0001', name: 'srv', state: 'running', createdAt: 100 }));
    store.insert(row({ id: 'old00001', name: 'srv', state: 'succeeded', createdAt: 200 }));
    expect(store.byName('srv')?.id).toBe('live0001');
  });

  it('finds by name the newest ended task when none of that name is live', () => {
    store.insert(row({ id: 'old00001', name: 'srv', state: 'failed', createdAt: 100 }));
    store.insert(row({ id: 'old00002', name: 'srv', state: 'succeeded', createdAt: 300 }));
    store.insert(row({ id: 'old00003', name: 'srv', state: 'killed', createdAt: 200 }));
    expect(store.byName('srv')?.id).toBe('old00002');
    expect(store.byName('other')).toBeUndefined();
  });

  it('refuses a second live task with the same name with NameTakenError and keeps the first', () => {
    store.insert(row({ id: 'first001', name: 'dup', state: 'running' }));
    let caught: unknown;
    try {
      store.insert(row({ id: 'second01', name: 'dup', state: 'starting' }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NameTakenError);
    expect((caught as Error).message).toContain('"dup"');
    expect((caught as Error).cause).toBeDefined();
    expect(store.get('second01')).toBeUndefined();
    expect(store.get('first001')?.state).toBe('running');
  });

  it('refuses an update that gives a live task the name of another live task', () => {
    store.insert(row({ id: 'first001', name: 'dup', state: 'running' }));
    store.insert(row({ id: 'second01', name: 'other', state: 'running' }));
    expect(() => store.update('second01', { name: 'dup' })).toThrow(NameTakenError);
    expect(store.get('second01')?.name).toBe('other');
  });

  it('lets a new live task take the name of an ended task', () => {
    store.insert(row({ id: 'ended001', name: 'dup', state: 'succeeded' }));
    store.insert(row({ id: 'ended002', name: 'dup', state: 'lost' }));
    store.insert(row({ id: 'new00001', name: 'dup', state: 'starting' }));
    expect(store.byName('dup')?.id).toBe('new00001');
    // Once the first one ends, the name is free again.
    store.update('new00001', { state: 'failed' });
    expect(() => store.insert(row({ id: 'new00002', name: 'dup', state: 'starting' }))).not.toThrow();
  });

  it('raises the primary-key error, not NameTakenError, for a duplicate id', () => {
    store.insert(row({ id: 'same0001', name: 'a' }));
    let caught: unknown;
    try {
      store.insert(row({ id: 'same0001', name: 'b' }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught).not.toBeInstanceOf(NameTakenError);
    expect((caught as { code?: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
  });

  it('lists live tasks oldest first, and counts them without reading their rows', () => {
    store.insert(row({ id: 'b0000001', state: 'stopping', createdAt: 300 }));
    store.insert(row({ id: 'a0000001', state: 'running', createdAt: 100 }));
    store.insert(row({ id: 'c0000001', state: 'succeeded', createdAt: 50 }));
    store.insert(row({ id: 'd0000001', state: 'starting', createdAt: 200 }));
    expect(store.live().map((r) => r.id)).toEqual(['a0000001', 'd0000001', 'b0000001']);
    expect(store.liveCount()).toBe(3);
  });

  it('counts tasks per state and omits the states that have none', () => {
    store.insert(row({ id: 'c0000001', state: 'running' }));
    store.insert(row({ id: 'c0000002', state: 'running' }));
    store.insert(row({ id: 'c0000003', state: 'failed' }));
    expect(store.countByState()).toStrictEqual({ running: 2, failed: 1 });
  });

  it('deletes a row and says whether one was deleted', () => {
    store.insert(row({ id: 'del00001' }));
    expect(store.delete('del00001')).toBe(true);
    expect(store.get('del00001')).toBeUndefined();
    expect(store.delete('del00001')).toBe(false);
  });

  it('keeps rows after the database is closed and opened again', () => {
    store.insert(row({ id: 'keep0001', env: { K: 'v' } }));
    db.close();
    db = openDatabase(join(dir, 'tend.db'));
    expect(new TaskStore(db).get('keep0001')?.env).toStrictEqual({ K: 'v' });
  });
});

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
