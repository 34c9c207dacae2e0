import { describe, expect, it } from 'vitest';
import { TaskStore, type TaskRow } from './task-store.js';
import { db, reopenDatabase, row, store, useTaskStore } from '../test-support/task-store.js';

// TaskStore rows: insert, get, update and delete keep every field in its column form, across a reopen.
describe('TaskStore', () => {
  useTaskStore();

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
      containment: 'cgroup',
      cgroup: '/sys/fs/cgroup/user.slice/tend.service/task-abcd1234',
      leftoverCount: 2,
      leftoversRunning: false,
      killLeftovers: true,
      lifetime: 'session',
      ttlMs: 7_200_000,
      expiresAt: 1_700_007_200_000,
      memoryMaxBytes: 2 * 1024 ** 3,
      pidsMax: 512,
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

  it('deletes a row and says whether one was deleted', () => {
    store.insert(row({ id: 'del00001' }));
    expect(store.delete('del00001')).toBe(true);
    expect(store.get('del00001')).toBeUndefined();
    expect(store.delete('del00001')).toBe(false);
  });

  it('keeps rows after the database is closed and opened again', () => {
    store.insert(row({ id: 'keep0001', env: { K: 'v' } }));
    db.close();
    reopenDatabase();
    expect(new TaskStore(db).get('keep0001')?.env).toStrictEqual({ K: 'v' });
  });
});
