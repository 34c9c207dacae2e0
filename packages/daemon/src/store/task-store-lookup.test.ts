import { describe, expect, it } from 'vitest';
import { NameTakenError } from './task-store.js';
import { db, row, store, useTaskStore } from '../test-support/task-store.js';

// Finding tasks by id prefix or name, the one-live-task-per-name rule, live listing and state counts.
describe('TaskStore', () => {
  useTaskStore();

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

  it('looks names up through an index, not a scan of every row', () => {
    // Each task/run checks its new id against the names (byName): a scan cost 0.9 ms at 10,000 rows.
    const statements = (store as unknown as { statements: Record<string, { source: string }> }).statements;
    for (const name of ['byName', 'liveByName']) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${statements[name]?.source}`).all('srv') as {
        detail: string;
      }[];
      expect(plan.map((step) => step.detail).join('; ')).toMatch(/SEARCH tasks USING INDEX tasks_by_name/);
    }
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
});
