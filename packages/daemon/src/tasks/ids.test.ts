import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorReason } from '@tend/protocol';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TendDaemonError } from '../errors.js';
import { openDatabase } from '../store/db.js';
import { TaskStore, type TaskRow } from '../store/task-store.js';
import { checkTaskName, newTaskId, resolveTask, TASK_ID_LENGTH } from './ids.js';

function row(overrides: Partial<TaskRow> & { id: string }): TaskRow {
  return {
    command: 'true',
    cwd: '/',
    env: {},
    inheritEnv: true,
    state: 'succeeded',
    createdAt: 1_000,
    logPath: `/logs/${overrides.id}`,
    outputBytes: 0,
    droppedBytes: 0,
    ...overrides,
  };
}

/** Runs `fn` and returns what it threw (fails the test when it throws nothing). */
function thrown(fn: () => unknown): TendDaemonError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TendDaemonError);
    return error as TendDaemonError;
  }
  throw new Error('expected a TendDaemonError, but nothing was thrown');
}

describe('newTaskId', () => {
  it('makes ids of 8 lowercase letters and digits', () => {
    expect(TASK_ID_LENGTH).toBe(8);
    for (let i = 0; i < 200; i++) expect(newTaskId()).toMatch(/^[0-9a-z]{8}$/);
  });

  it('makes a different id each time', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => newTaskId()));
    expect(ids.size).toBe(1_000);
  });

  it('uses both digits and letters across many ids', () => {
    const joined = Array.from({ length: 200 }, () => newTaskId()).join('');
    expect(joined).toMatch(/[0-9]/);
    expect(joined).toMatch(/[a-z]/);
  });
});

describe('resolveTask', () => {
  let dir: string;
  let db: Database.Database;
  let store: TaskStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-ids-'));
    db = openDatabase(join(dir, 'tend.db'));
    store = new TaskStore(db);
    store.insert(row({ id: 'k3x9a001', name: 'build', createdAt: 100 }));
    store.insert(row({ id: 'k3x9b002', createdAt: 200 }));
    store.insert(row({ id: 'm7q2c003', name: 'serve', state: 'running', createdAt: 300 }));
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves an exact id', () => {
    expect(resolveTask(store, 'k3x9b002').id).toBe('k3x9b002');
  });

  it('resolves a task name', () => {
    expect(resolveTask(store, 'serve').id).toBe('m7q2c003');
    expect(resolveTask(store, 'build').id).toBe('k3x9a001');
  });

  it('resolves a name to the live task of that name before an ended one', () => {
    store.insert(row({ id: 'n0000001', name: 'serve', state: 'succeeded', createdAt: 900 }));
    expect(resolveTask(store, 'serve').id).toBe('m7q2c003');
  });

  it('resolves a name to the newest task that had it when none is live', () => {
    store.insert(row({ id: 'n0000001', name: 'build', state: 'failed', createdAt: 900 }));
    expect(resolveTask(store, 'build').id).toBe('n0000001');
  });

  it('prefers an exact id over a task whose name is that id', () => {
    store.insert(row({ id: 'zzzz0001', name: 'k3x9b002', createdAt: 900 }));
    expect(resolveTask(store, 'k3x9b002').id).toBe('k3x9b002');
  });

  it('prefers a name over an id prefix', () => {
    store.insert(row({ id: 'zzzz0001', name: 'm7q', createdAt: 900 }));
    expect(resolveTask(store, 'm7q').id).toBe('zzzz0001');
  });

  it('resolves a unique id prefix', () => {
    expect(resolveTask(store, 'm').id).toBe('m7q2c003');
    expect(resolveTask(store, 'k3x9a').id).toBe('k3x9a001');
  });

  it('throws ambiguous_id with the candidate ids when a prefix matches several tasks', () => {
    const error = thrown(() => resolveTask(store, 'k3x'));
    expect(error.reason).toBe('ambiguous_id');
    expect(error.code).toBe(ErrorReason.ambiguous_id);
    expect(error.data).toStrictEqual({ candidates: ['k3x9a001', 'k3x9b002'] });
    expect(error.message).toContain('"k3x"');
    expect(error.message).toContain('k3x9a001, k3x9b002');
  });

  it('throws ambiguous_id naming each project when live tasks of several projects share the name', () => {
    store.insert(row({ id: 'p0000001', name: 'api', state: 'running', project: '/src/a', createdAt: 400 }));
    store.insert(row({ id: 'p0000002', name: 'api', state: 'running', project: '/src/b', createdAt: 500 }));
    store.insert(row({ id: 'p0000003', name: 'api', state: 'succeeded', createdAt: 600 }));
    const error = thrown(() => resolveTask(store, 'api'));
    expect(error.reason).toBe('ambiguous_id');
    expect(error.data).toStrictEqual({ candidates: ['p0000001', 'p0000002'] });
    expect(error.message).toContain('p0000001 in /src/a, p0000002 in /src/b');
    // One live task of that name, in any project: resolved, as before.
    store.update('p0000002', { state: 'failed' });
    expect(resolveTask(store, 'api').id).toBe('p0000001');
  });

  it('throws task_not_found quoting the reference when nothing matches', () => {
    const error = thrown(() => resolveTask(store, 'nothing'));
    expect(error.reason).toBe('task_not_found');
    expect(error.code).toBe(ErrorReason.task_not_found);
    expect(error.data).toStrictEqual({ ref: 'nothing' });
    expect(error.message).toContain('"nothing"');
  });

  it('does not treat a reference with characters outside ids as a prefix', () => {
    // `K3X` in upper case would sort before every id; it must not match by prefix.
    expect(thrown(() => resolveTask(store, 'K3X9A001')).reason).toBe('task_not_found');
    expect(thrown(() => resolveTask(store, 'k3x%')).reason).toBe('task_not_found');
  });

  it('throws task_not_found for an empty reference', () => {
    expect(thrown(() => resolveTask(store, '')).reason).toBe('task_not_found');
  });
});

describe('checkTaskName', () => {
  let dir: string;
  let db: Database.Database;
  let store: TaskStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-names-'));
    db = openDatabase(join(dir, 'tend.db'));
    store = new TaskStore(db);
    store.insert(row({ id: 'k3x9a001', createdAt: 100 }));
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a name equal to another task's id with invalid_name, naming it", () => {
    const error = thrown(() => checkTaskName(store, 'k3x9a001'));
    expect(error.reason).toBe('invalid_name');
    expect(error.code).toBe(ErrorReason.invalid_name);
    expect(error.message).toBe('the name "k3x9a001" is the id of another task; pick another name');
  });

  it('accepts no name, a new name, and an id prefix as a name', () => {
    expect(() => checkTaskName(store, undefined)).not.toThrow();
    expect(() => checkTaskName(store, 'web')).not.toThrow();
    expect(() => checkTaskName(store, 'k3x9')).not.toThrow();
  });
});
