import { describe, expect, it } from 'vitest';
import { compactingGc, IdleGc, type IdleGcRun, obtainGc } from './idle-gc.js';

const MiB = 2 ** 20;

/** A fake clock with one-shot timers, a settable heap size and a counting collector. */
function fakeDeps() {
  const timers = new Map<number, { at: number; fn: () => void }>();
  let nextId = 1;
  const state = {
    now: 0,
    heap: 20 * MiB,
    collections: 0,
    runs: [] as IdleGcRun[],
    /** Advances the clock by `ms`, firing due timers in order (a timer armed by a timer fires too if due). */
    advance(ms: number) {
      const until = state.now + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= until)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        state.now = due[1].at;
        due[1].fn();
      }
      state.now = until;
    },
    get pendingTimers() {
      return timers.size;
    },
  };
  const deps = {
    now: () => state.now,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++;
      timers.set(id, { at: state.now + ms, fn });
      return id;
    },
    clearTimer: (handle: unknown) => void timers.delete(handle as number),
    heapBytes: () => state.heap,
    gc: () => {
      state.collections++;
      state.heap = 15 * MiB;
    },
    onRun: (run: IdleGcRun) => void state.runs.push(run),
  };
  return { state, deps };
}

const options = { idleMs: 5_000, minEnds: 10, minHeapGrowthBytes: 8 * MiB };

describe('IdleGc', () => {
  it('collects once when the daemon goes quiet after enough task ends', () => {
    const { state, deps } = fakeDeps();
    const idle = new IdleGc(options, deps);
    for (let i = 0; i < 10; i++) {
      idle.taskEnded();
      state.advance(100);
    }
    state.advance(4_000);
    expect(state.collections).toBe(0); // 4.1 s since the last end: still busy
    state.advance(1_000);
    expect(state.collections).toBe(1);
    expect(state.runs).toEqual([{ ends: 10, heapBefore: 20 * MiB, heapAfter: 15 * MiB, ms: 0 }]);
    expect(idle.pendingEnds).toBe(0);
    // Idle: nothing armed, nothing collected again however long it stays quiet.
    expect(state.pendingTimers).toBe(0);
    state.advance(600_000);
    expect(state.collections).toBe(1);
  });

  it('never collects while requests keep coming, one timer at a time', () => {
    const { state, deps } = fakeDeps();
    const idle = new IdleGc(options, deps);
    for (let i = 0; i < 50; i++) idle.taskEnded();
    for (let i = 0; i < 600; i++) {
      idle.activity();
      expect(state.pendingTimers).toBe(1);
      state.advance(1_000);
    }
    expect(state.collections).toBe(0);
    state.advance(5_000);
    expect(state.collections).toBe(1);
  });

  it('does not collect after a small burst, and counts its ends towards the next', () => {
    const { state, deps } = fakeDeps();
    const idle = new IdleGc(options, deps);
    for (let i = 0; i < 6; i++) idle.taskEnded();
    state.advance(10_000);
    expect(state.collections).toBe(0);
    expect(idle.armed).toBe(false);
    for (let i = 0; i < 4; i++) idle.taskEnded();
    state.advance(10_000);
    expect(state.collections).toBe(1);
  });

  it('collects after heap growth without task ends (requests only)', () => {
    const { state, deps } = fakeDeps();
    const idle = new IdleGc(options, deps);
    idle.activity();
    state.heap += 7 * MiB;
    state.advance(5_000);
    expect(state.collections).toBe(0);
    idle.activity();
    state.heap += 2 * MiB; // 9 MiB over the baseline taken at start
    state.advance(5_000);
    expect(state.collections).toBe(1);
    // The baseline is now the heap after the collection (15 MiB).
    idle.activity();
    state.heap = 22 * MiB;
    state.advance(5_000);
    expect(state.collections).toBe(1);
    idle.activity();
    state.heap = 23 * MiB;
    state.advance(5_000);
    expect(state.collections).toBe(2);
  });

  it('stop() cancels the timer and ignores later activity', () => {
    const { state, deps } = fakeDeps();
    const idle = new IdleGc(options, deps);
    for (let i = 0; i < 20; i++) idle.taskEnded();
    idle.stop();
    expect(state.pendingTimers).toBe(0);
    idle.taskEnded();
    state.advance(60_000);
    expect(state.collections).toBe(0);
  });
});

describe('obtainGc', () => {
  it('returns a working gc without exposing one on the global', () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    const gc = obtainGc();
    expect(typeof gc).toBe('function');
    gc();
    expect(typeof (globalThis as { gc?: unknown }).gc === 'function').toBe(hadGc);
  });
});

describe('compactingGc', () => {
  it('runs the collector once and rethrows its error', () => {
    let calls = 0;
    compactingGc(() => void calls++);
    expect(calls).toBe(1);
    expect(() =>
      compactingGc(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    compactingGc(obtainGc());
  });
});
