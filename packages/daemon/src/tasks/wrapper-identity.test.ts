import { describe, expect, it } from 'vitest';
import { row, store, useTaskStore } from '../test-support/task-store.js';
import { toTask } from './task-view.js';
import { recordWrapperIdentity } from './wrapper-identity.js';

// The wrapper's identity as task/run records it, and the row it returns without reading it back (issue 13).
describe('recordWrapperIdentity', () => {
  useTaskStore();

  it('returns the row exactly as the store reads it back, cleared fields absent', () => {
    store.insert(row({ id: 'ident001', state: 'starting', timeoutMs: 5_000, ttlMs: 60_000 }));
    const stat = { pid: 4242, state: 'S', ppid: 1, pgid: 4242, sid: 4242, startTicks: 777 };
    const running = recordWrapperIdentity(store, store.get('ident001')!, 4242, stat, 10_000);
    expect(running).toEqual(store.get('ident001'));
    expect(running).toMatchObject({
      state: 'running',
      pid: 4242,
      pgid: 4242,
      startTicks: 777,
      deadlineAt: 15_000,
    });

    // A restarted run: its stat unreadable, no timeout; the columns it clears are absent, not undefined.
    store.insert(row({ id: 'ident002', state: 'stopping', startTicks: 5, deadlineAt: 9, expiresAt: 99 }));
    const again = recordWrapperIdentity(store, store.get('ident002')!, 4243, undefined, 20_000);
    expect(again).toStrictEqual(store.get('ident002'));
    expect('startTicks' in again || 'deadlineAt' in again).toBe(false);
    expect(again).toMatchObject({ state: 'stopping', expiresAt: 99 });
  });

  it('returns the given row when no row has its id', () => {
    const gone = row({ id: 'ident404', state: 'starting' });
    expect(recordWrapperIdentity(store, gone, 1, undefined, 1)).toBe(gone);
  });
});

describe('toTask with what the caller read', () => {
  it('uses the given stat and log size instead of reading /proc and the log', () => {
    // No such pid and no such log: only the given facts can make it stopped with 17 bytes of output.
    const live = row({ id: 'known001', pid: 2 ** 22 + 1, startTicks: 3, logPath: '/nonexistent/output.log' });
    const stat = { pid: live.pid!, state: 'T', ppid: 1, pgid: live.pid!, sid: live.pid!, startTicks: 3 };
    expect(toTask(live, 0, { procStat: stat, logBytes: 17 })).toMatchObject({
      stopped: true,
      outputBytes: 17,
    });
    expect(toTask(live, 0, { procStat: undefined })).not.toHaveProperty('stopped');
    expect(toTask(live, 0)).toMatchObject({ outputBytes: 0 });
    expect(toTask(live, 0)).not.toHaveProperty('stopped');
  });
});
