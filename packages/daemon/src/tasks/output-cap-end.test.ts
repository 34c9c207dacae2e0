import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../store/db.js';
import { type TaskRow, TaskStore } from '../store/task-store.js';
import { KEEP_FRACTION, OutputCapEnforcer } from './output-cap.js';
import { identityOf, punchHead } from './output-cap-file.js';
import { TaskEvents } from './task-events.js';
import { toTask } from './task-view.js';

/** Cap of the task under test, in bytes. */
const CAP = 65_536;
/** One line of output: 12 bytes ("line-000001\n"). */
const LINE_BYTES = 12;

/** `count` numbered lines starting at `first`, `LINE_BYTES` each. */
function lines(first: number, count: number): string {
  let text = '';
  for (let n = first; n < first + count; n++) text += `line-${String(n).padStart(6, '0')}\n`;
  return text;
}

/** `length` bytes of `path` from `offset`. */
function bytesAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    return buffer.subarray(0, readSync(fd, buffer, 0, length, offset));
  } finally {
    closeSync(fd);
  }
}

/** A punch the test holds: each call is recorded and waits for its `release`, then runs (or fails with `error`). */
class HeldPunches {
  readonly lengths: number[] = [];
  private readonly gates: (() => void)[] = [];
  private readonly waiters: { count: number; wake: () => void }[] = [];
  /** When set, a released punch fails with it instead of punching. */
  error: Error | undefined;

  readonly punch = (fd: number, length: number): Promise<void> => {
    this.lengths.push(length);
    for (const waiter of this.waiters.filter((w) => w.count <= this.lengths.length)) waiter.wake();
    return new Promise<void>((resolve) => this.gates.push(resolve)).then(() =>
      this.error ? Promise.reject(this.error) : punchHead(fd, length),
    );
  };

  /** Resolves once the punch has been called `count` times in all. */
  called(count: number): Promise<void> {
    if (this.lengths.length >= count) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ count, wake }));
  }

  /** Lets the oldest held punch run. */
  release(): void {
    this.gates.shift()?.();
  }
}

describe('OutputCapEnforcer when a task ends', () => {
  let dir: string;
  let db: Database.Database;
  let store: TaskStore;
  let events: TaskEvents;
  let logPath: string;
  let held: HeldPunches;
  let enforcer: OutputCapEnforcer;
  let warn: ReturnType<typeof vi.fn>;
  /** Every droppedBytes written to the row, in order. */
  let recorded: number[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-capend-'));
    db = openDatabase(join(dir, 'tend.db'));
    store = new TaskStore(db);
    events = new TaskEvents(store);
    logPath = join(dir, 'output.log');
    appendFileSync(logPath, lines(0, 200_000 / LINE_BYTES));
    const identity = identityOf(statSync(logPath));
    held = new HeldPunches();
    warn = vi.fn();
    const logger = { warn } as unknown as Logger;
    const host = Object.assign(events, { logIdentity: () => identity });
    enforcer = new OutputCapEnforcer(host, logger, { punchHole: held.punch });
    recorded = [];
    const update = store.update.bind(store);
    vi.spyOn(store, 'update').mockImplementation((id, patch) => {
      if (patch.droppedBytes !== undefined) recorded.push(patch.droppedBytes);
      return update(id, patch);
    });
    store.insert({
      id: 'cap00001',
      command: 'yes',
      cwd: dir,
      env: {},
      inheritEnv: true,
      state: 'running',
      createdAt: 1_000,
      logPath,
      outputBytes: 0,
      outputCap: CAP,
      droppedBytes: 0,
    });
    events.changed('cap00001');
  });

  afterEach(() => {
    enforcer.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Ends the task as the ender does: terminal row, then `change`. */
  function end(): void {
    store.update('cap00001', { state: 'succeeded', exitCode: 0, endedAt: 2_000 });
    events.changed('cap00001');
  }

  const droppedBytes = (): number => store.get('cap00001')?.droppedBytes ?? -1;

  it('trims once more after a trim that was still running when the task ended', async () => {
    expect(enforcer.checkAll()).toBe(true);
    expect(held.lengths).toHaveLength(1);
    const first = droppedBytes();
    expect(first).toBeGreaterThanOrEqual(held.lengths[0] ?? Number.POSITIVE_INFINITY);
    // The task writes 200 kB more while the first punch runs, then ends.
    appendFileSync(logPath, lines(200_000, 200_000 / LINE_BYTES));
    end();
    expect(held.lengths).toHaveLength(1);
    const settled = enforcer.settled('cap00001');
    held.release();
    // The last trim starts its punch only once the first one has settled (before the fix: never).
    await Promise.race([
      held.called(2),
      settled.then(() => Promise.reject(new Error('settled without a last trim'))),
    ]);
    held.release();
    await settled;

    const size = statSync(logPath).size;
    const last = droppedBytes();
    expect(recorded).toEqual([first, last]);
    expect(last).toBeGreaterThan(first);
    // The row's droppedBytes is the start of the first whole line at or after the hole.
    const hole = held.lengths[1] ?? -1;
    expect(hole).toBe(Math.floor((size - Math.floor(CAP * KEEP_FRACTION)) / 4096) * 4096);
    expect(last - hole).toBeLessThan(LINE_BYTES);
    expect(bytesAt(logPath, last - 1, 1).toString()).toBe('\n');
    expect(bytesAt(logPath, 0, hole).every((byte) => byte === 0)).toBe(true);
    // What readers are served is under the cap, whole and without zeros, and so is the disk use.
    expect(size - last).toBeLessThanOrEqual(CAP);
    const kept = bytesAt(logPath, last, size - last);
    expect(kept.includes(0)).toBe(false);
    expect(kept.toString().split('\n')[0]).toMatch(/^line-\d{6}$/);
    expect(statSync(logPath).blocks * 512).toBeLessThanOrEqual(CAP);
    expect(warn).not.toHaveBeenCalled();
  });

  it('trims at once when the task ends with no trim running', async () => {
    end();
    expect(held.lengths).toHaveLength(1);
    const settled = enforcer.settled('cap00001');
    held.release();
    await settled;
    expect(statSync(logPath).size - droppedBytes()).toBeLessThanOrEqual(CAP);
    expect(warn).not.toHaveBeenCalled();
  });

  it('survives a punch that fails while the task ends: logged once, no last trim, offsets kept', async () => {
    enforcer.checkAll();
    const first = droppedBytes();
    appendFileSync(logPath, lines(200_000, 200_000 / LINE_BYTES));
    end();
    held.error = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    held.release();
    await enforcer.settled('cap00001');
    expect(held.lengths).toHaveLength(1);
    expect(warn).toHaveBeenCalledTimes(1);
    // The bytes below droppedBytes are still on disk, unserved: no reader meets a hole.
    expect(recorded).toEqual([first]);
  });

  it('keeps capping the log of an ended task while its leftovers write, and trims once more when they end', async () => {
    store.update('cap00001', {
      state: 'succeeded',
      exitCode: 0,
      endedAt: 2_000,
      leftoverCount: 1,
      leftoversRunning: true,
    });
    events.changed('cap00001');
    // Still tracked: the periodic check trims what the leftovers write.
    expect(enforcer.checkAll()).toBe(true);
    held.release();
    await enforcer.settled('cap00001');
    expect(held.lengths).toHaveLength(1);
    appendFileSync(logPath, lines(200_000, 200_000 / LINE_BYTES));
    store.update('cap00001', { leftoversRunning: false });
    events.changed('cap00001');
    const settled = enforcer.settled('cap00001');
    held.release();
    await settled;
    expect(held.lengths).toHaveLength(2);
    expect(statSync(logPath).size - droppedBytes()).toBeLessThanOrEqual(CAP);
    expect(enforcer.checkAll()).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });

  it('tracks the log again when the leftovers are found after the end was announced (same turn)', async () => {
    // The ender announces the end, then counts the leftovers and announces them (task-end.ts).
    end();
    store.update('cap00001', { leftoverCount: 1, leftoversRunning: true });
    events.changed('cap00001');
    held.release();
    await enforcer.settled('cap00001');
    const trims = held.lengths.length;
    // Still tracked: what the leftovers write is trimmed by the periodic check.
    appendFileSync(logPath, lines(200_000, 200_000 / LINE_BYTES));
    expect(enforcer.checkAll()).toBe(true);
    held.release();
    await enforcer.settled('cap00001');
    expect(held.lengths).toHaveLength(trims + 1);
    expect(statSync(logPath).size - droppedBytes()).toBeLessThanOrEqual(CAP);
    expect(warn).not.toHaveBeenCalled();
  });

  it.each([
    ['its log is gone', () => unlinkSync(logPath)],
    ['the task is removed', () => events.emit('change', toTask(store.get('cap00001') as TaskRow), true)],
  ])('skips the last trim when %s meanwhile', async (_what, meanwhile) => {
    enforcer.checkAll();
    appendFileSync(logPath, lines(200_000, 200_000 / LINE_BYTES));
    end();
    meanwhile();
    const settled = enforcer.settled('cap00001');
    held.release();
    await settled;
    expect(held.lengths).toHaveLength(1);
    expect(recorded).toHaveLength(1);
    expect(warn).not.toHaveBeenCalled();
  });
});
