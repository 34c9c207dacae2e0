import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskRow } from './task-store.js';
import { row, store, useTaskStore } from '../test-support/task-store.js';

// TaskStore.list and its filters (state, name, cwd, session, workspace root, limit) and order.
describe('TaskStore', () => {
  useTaskStore();

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

    it('search: finds text in the name, command or description, ASCII letters in any case; wildcards are plain text', () => {
      store.insert(
        row({
          id: 'l0000006',
          command: 'pg_dump app',
          description: 'Nightly DB backup (100%)',
          createdAt: 600,
        }),
      );
      store.update('l0000006', { notify: false, trigger: true });
      expect(ids(store.list({ search: 'db backup', limit: 100 }))).toEqual(['l0000006']);
      expect(ids(store.list({ search: 'PG_DUMP', limit: 100 }))).toEqual(['l0000006']);
      expect(ids(store.list({ search: 'WEB', limit: 100 }))).toEqual(['l0000005', 'l0000002', 'l0000001']);
      expect(ids(store.list({ search: '100%', limit: 100 }))).toEqual(['l0000006']);
      expect(store.list({ search: '_%', limit: 100 })).toEqual([]);
      expect(store.get('l0000006')).toMatchObject({
        description: 'Nightly DB backup (100%)',
        notify: false,
        trigger: true,
      });
      expect(store.get('l0000001')).not.toHaveProperty('notify');
      expect(store.get('l0000001')).not.toHaveProperty('trigger');
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
});
