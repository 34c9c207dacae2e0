import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskRow, TaskStore } from '../store/task-store.js';
import { SessionGrace } from './session-grace.js';

// SessionGrace's bookkeeping with Vitest's fake timers: which sessions get a pending stop, when it is
// cancelled, and what is stopped when it fires (the real daemon: test/lifetime-*.integration).

const GRACE_MS = 60_000;

function row(id: string, session: string | undefined, fields: Partial<TaskRow> = {}): TaskRow {
  return {
    id,
    command: 'sleep 100',
    cwd: '/',
    env: {},
    inheritEnv: true,
    state: 'running',
    createdAt: 0,
    logPath: `/tmp/${id}`,
    outputBytes: 0,
    droppedBytes: 0,
    lifetime: 'session',
    ...(session !== undefined ? { session } : {}),
    ...fields,
  };
}

describe('SessionGrace', () => {
  let rows: TaskRow[];
  let stopped: { id: string; reason: string; graceMs: number }[];
  let grace: SessionGrace;

  beforeEach(() => {
    vi.useFakeTimers();
    rows = [];
    stopped = [];
    const store = { live: () => rows } as unknown as TaskStore;
    grace = new SessionGrace({
      store,
      stopper: {
        stop: (r, _signal, graceMs, _cause, reason) => void stopped.push({ id: r.id, reason, graceMs }),
      },
      logger: pino({ level: 'silent' }),
      sessionGraceMs: GRACE_MS,
      killGraceMs: 10_000,
    });
  });

  afterEach(() => {
    grace.stop();
    vi.useRealTimers();
  });

  it("stops the session's session tasks when its last client has been gone for the grace, and only those", () => {
    rows.push(row('a1', 'A'), row('a2', 'A', { lifetime: 'persistent' }), row('b1', 'B'));
    grace.joined(1, 'A');
    grace.joined(2, 'A');
    grace.joined(3, 'B');
    grace.left(1);
    expect(grace.pending('A')).toBe(false);
    grace.left(2);
    expect(grace.pending('A')).toBe(true);
    vi.advanceTimersByTime(GRACE_MS - 1);
    expect(stopped).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stopped).toEqual([
      { id: 'a1', reason: 'stopped: no client of session A connected for 1m', graceMs: 10_000 },
    ]);
  });

  it('cancels the pending stop when a client of the session joins in time', () => {
    rows.push(row('a1', 'A'));
    grace.joined(1, 'A');
    grace.left(1);
    vi.advanceTimersByTime(GRACE_MS - 1);
    grace.joined(2, 'A');
    expect(grace.pending('A')).toBe(false);
    vi.advanceTimersByTime(10 * GRACE_MS);
    expect(stopped).toEqual([]);
  });

  it('arms every session that has live session tasks at start, none that has only persistent ones', () => {
    rows.push(row('a1', 'A'), row('p1', 'P', { lifetime: 'persistent' }), row('n1', undefined));
    grace.start();
    expect(grace.pending('A')).toBe(true);
    expect(grace.pending('P')).toBe(false);
    vi.advanceTimersByTime(GRACE_MS);
    expect(stopped.map((s) => s.id)).toEqual(['a1']);
  });

  it('moves a connection that initializes again to its new session, and skips tasks already stopping', () => {
    rows.push(row('a1', 'A'), row('a2', 'A', { state: 'stopping' }), row('b1', 'B'));
    grace.joined(1, 'A');
    grace.joined(1, 'B');
    expect(grace.pending('A')).toBe(true);
    grace.left(1);
    vi.advanceTimersByTime(GRACE_MS);
    expect(stopped.map((s) => s.id)).toEqual(['a1', 'b1']);
  });

  it('arms nothing for a session without session tasks, and stops nothing once the daemon stops', () => {
    grace.joined(1, 'C');
    grace.left(1);
    expect(grace.pending('C')).toBe(false);
    rows.push(row('a1', 'A'));
    grace.start();
    grace.stop();
    vi.advanceTimersByTime(GRACE_MS);
    expect(stopped).toEqual([]);
  });
});
