import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Completion } from '@tend/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompletionStore } from './completion-store.js';
import { openDatabase } from './db.js';

/** A task end as the supervisor records it; `overrides` win. */
function end(taskId: string, overrides: Partial<Omit<Completion, 'seq'>> = {}): Omit<Completion, 'seq'> {
  return {
    taskId,
    command: `make ${taskId}`,
    cwd: '/work',
    state: 'succeeded',
    exitCode: 0,
    endedAt: '2025-01-01T00:00:00.000Z',
    tail: `done ${taskId}`,
    ...overrides,
  };
}

describe('CompletionStore', () => {
  let dir: string;
  let dbPath: string;
  let db: Database.Database;
  let store: CompletionStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-completions-'));
    dbPath = join(dir, 'tend.db');
    db = openDatabase(dbPath);
    store = new CompletionStore(db);
  });

  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const seqs = (list: Completion[]) => list.map((c) => c.seq);
  const taskIds = (list: Completion[]) => list.map((c) => c.taskId);

  it('numbers each recorded end with a seq one higher than the previous', () => {
    expect(store.record(end('a'))).toBe(1);
    expect(store.record(end('b'))).toBe(2);
    expect(store.record(end('c'))).toBe(3);
  });

  it('returns every field of a recorded end unchanged, with its seq', () => {
    const full = end('full0001', {
      name: 'build',
      session: 's1',
      state: 'killed',
      exitCode: 143,
      signal: 'SIGTERM',
      reason: 'killed by user',
      durationMs: 1234,
      tail: 'line é日😀\n\x00last',
    });
    const seq = store.record(full);
    expect(store.list({ ackKey: 's1', limit: 10 })).toStrictEqual([{ seq, ...full }]);
  });

  it('lists the ends not acknowledged by the ack key, oldest first', () => {
    store.record(end('a'));
    store.record(end('b'));
    store.record(end('c'));
    expect(taskIds(store.list({ ackKey: '', limit: 10 }))).toEqual(['a', 'b', 'c']);
  });

  it('hides acknowledged ends from that ack key only', () => {
    const a = store.record(end('a'));
    store.record(end('b'));
    const c = store.record(end('c'));
    store.ack('s1', [a, c]);
    expect(taskIds(store.list({ ackKey: 's1', limit: 10 }))).toEqual(['b']);
    expect(taskIds(store.list({ ackKey: 's2', limit: 10 }))).toEqual(['a', 'b', 'c']);
    expect(taskIds(store.list({ ackKey: '', limit: 10 }))).toEqual(['a', 'b', 'c']);
  });

  it('accepts acknowledging the same end twice and a seq that was never handed out', () => {
    const a = store.record(end('a'));
    store.ack('s1', [a]);
    expect(() => store.ack('s1', [a, 999])).not.toThrow();
    expect(store.list({ ackKey: 's1', limit: 10 })).toEqual([]);
  });

  it('lists every end after a seq, acknowledged ones included, with after', () => {
    const a = store.record(end('a'));
    const b = store.record(end('b'));
    const c = store.record(end('c'));
    store.ack('s1', [b, c]);
    expect(seqs(store.list({ ackKey: 's1', after: a, limit: 10 }))).toEqual([b, c]);
    expect(seqs(store.list({ ackKey: 's1', after: 0, limit: 10 }))).toEqual([a, b, c]);
    expect(store.list({ ackKey: 's1', after: c, limit: 10 })).toEqual([]);
  });

  it('keeps only the ends of tasks started by the given session', () => {
    store.record(end('mine1', { session: 's1' }));
    store.record(end('other', { session: 's2' }));
    store.record(end('none'));
    store.record(end('mine2', { session: 's1' }));
    expect(taskIds(store.list({ session: 's1', ackKey: 's1', limit: 10 }))).toEqual(['mine1', 'mine2']);
    expect(taskIds(store.list({ session: 's2', ackKey: 's2', after: 0, limit: 10 }))).toEqual(['other']);
    expect(taskIds(store.list({ ackKey: '', limit: 10 }))).toEqual(['mine1', 'other', 'none', 'mine2']);
  });

  it('combines the session filter with that session acknowledgements', () => {
    const m1 = store.record(end('mine1', { session: 's1' }));
    store.record(end('mine2', { session: 's1' }));
    store.ack('s1', [m1]);
    expect(taskIds(store.list({ session: 's1', ackKey: 's1', limit: 10 }))).toEqual(['mine2']);
  });

  it('returns at most limit ends, the oldest ones', () => {
    for (const id of ['a', 'b', 'c', 'd']) store.record(end(id));
    expect(taskIds(store.list({ ackKey: '', limit: 2 }))).toEqual(['a', 'b']);
    expect(taskIds(store.list({ ackKey: '', after: 2, limit: 1 }))).toEqual(['c']);
  });

  it('says lastSeq is 0 before any end and the highest seq after', () => {
    expect(store.lastSeq()).toBe(0);
    store.record(end('a'));
    const b = store.record(end('b'));
    expect(store.lastSeq()).toBe(b);
  });

  it('never hands out a seq again, even after the ends holding it are deleted', () => {
    store.record(end('a'));
    const b = store.record(end('b'));
    db.prepare('DELETE FROM completions').run();
    expect(store.lastSeq()).toBe(b);
    expect(store.record(end('c'))).toBe(b + 1);
  });

  it('keeps ends, acknowledgements and the sequence after the database is closed and opened again', () => {
    const a = store.record(end('a'));
    store.record(end('b'));
    store.ack('s1', [a]);
    db.close();
    db = openDatabase(dbPath);
    store = new CompletionStore(db);
    expect(taskIds(store.list({ ackKey: 's1', limit: 10 }))).toEqual(['b']);
    expect(store.lastSeq()).toBe(2);
    expect(store.record(end('c'))).toBe(3);
  });
});
