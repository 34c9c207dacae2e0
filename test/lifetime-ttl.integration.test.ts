import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../packages/daemon/dist/store/db.js';
import { TaskStore } from '../packages/daemon/dist/store/task-store.js';
import { isAlive } from './support/processes.mjs';
import { errorOf } from './daemon-setup.js';
import { endOf, runLoop, startWithConfig, useLifetimeDaemons } from './lifetime-setup.js';

// task/run ttlMs against a real daemon: the TTL counts from the task's start, is stored with the task
// (expiresAt) and survives a daemon kill -9; the task ends killed (not timed_out) with a reason.

useLifetimeDaemons();

/** A TTL long enough for a kill -9 and a restart of the daemon on a busy 2-core machine, in ms. */
const TTL_MS = 3000;

describe('ttlMs', () => {
  it('stops the task when its TTL expires, counted from its start across a daemon kill -9 and restart', async () => {
    const harness = await startWithConfig({});
    const first = await harness.connect('agent');
    const task = await runLoop(first, harness, { ttlMs: TTL_MS });
    expect(task.ttlMs).toBe(TTL_MS);
    expect(Date.parse(task.expiresAt)).toBe(Date.parse(task.startedAt) + TTL_MS);

    await harness.kill9();
    await harness.start();
    const watcher = await harness.connect('watcher');
    // Adopted before its TTL expired, with the same expiry (not re-counted from the new daemon's start).
    const adopted = await watcher.request('task/get', { id: task.id });
    expect(adopted).toMatchObject({ state: 'running', pid: task.pid, expiresAt: task.expiresAt });

    const ended = await endOf(watcher, task.id);
    expect(ended).toMatchObject({
      state: 'killed',
      signal: 'SIGTERM',
      reason: 'stopped: its TTL of 3s expired',
      ttlMs: TTL_MS,
      expiresAt: task.expiresAt,
    });
    expect(Date.parse(ended.endedAt)).toBeGreaterThanOrEqual(Date.parse(task.expiresAt));
  });

  it('stops a task whose TTL expired while no daemon ran as soon as the next daemon starts', async () => {
    const harness = await startWithConfig({});
    const first = await harness.connect('agent');
    const task = await runLoop(first, harness, { ttlMs: 3_600_000 });
    await harness.kill9();
    // An hour passes while no daemon runs: its expiry is moved into the past in the row, as the clock would.
    const expiredAt = Date.now() - 1000;
    withStoreOf(harness.home, (store) => store.update(task.id, { expiresAt: expiredAt }));
    expect(isAlive(task.pid)).toBe(true);

    await harness.start();
    const watcher = await harness.connect('watcher');
    const ended = await endOf(watcher, task.id);
    expect(ended).toMatchObject({ state: 'killed', reason: 'stopped: its TTL of 1h expired' });
    expect(Date.parse(ended.expiresAt)).toBe(expiredAt);
  });

  it('refuses a TTL of 0, a fractional one, and one over 30 days, naming the field', async () => {
    const harness = await startWithConfig({});
    const agent = await harness.connect('agent');
    for (const [ttlMs, message] of [
      [0, 'ttlMs: must be a positive number of ms (got 0)'],
      [1.5, 'ttlMs: must be an integer number of ms (got 1.5)'],
      [2_592_000_001, 'ttlMs: must be at most 30 days (got 2592000001)'],
    ] as const) {
      const error = await errorOf(runLoop(agent, harness, { ttlMs }));
      expect(error.data.reason).toBe('invalid_params');
      expect(error.message).toBe(`invalid params for task/run: ${message}`);
    }
  });
});

/** Opens the database of the daemon in `home` (only while no daemon runs) and hands its store to `use`. */
function withStoreOf<T>(home: string, use: (store: TaskStore) => T): T {
  const db = openDatabase(join(home, 'state', 'tend.db'));
  try {
    return use(new TaskStore(db));
  } finally {
    db.close();
  }
}
