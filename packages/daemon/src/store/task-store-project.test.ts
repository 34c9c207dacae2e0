import { describe, expect, it } from 'vitest';
import { NameTakenError } from './task-store.js';
import { row, store, useTaskStore } from '../test-support/task-store.js';

// Projects (tend.toml): a name is unique among the live tasks of its project, and among live ad-hoc tasks.
describe('TaskStore with projects', () => {
  useTaskStore();

  it('lets two projects and the ad-hoc tasks each have a live task named web, and finds each by project', () => {
    store.insert(row({ id: 'shop0001', name: 'web', project: '/src/shop', state: 'running' }));
    store.insert(row({ id: 'blog0001', name: 'web', project: '/src/blog', state: 'running' }));
    store.insert(row({ id: 'adhoc001', name: 'web', state: 'running' }));
    expect(store.byProjectName('/src/shop', 'web')?.id).toBe('shop0001');
    expect(store.byProjectName('/src/blog', 'web')?.id).toBe('blog0001');
    expect(store.byProjectName(undefined, 'web')?.id).toBe('adhoc001');
    expect(store.list({ project: '/src/blog', limit: 10 }).map((r) => r.id)).toEqual(['blog0001']);
  });

  it('refuses a second live task of the same name in the same project, and in the ad-hoc tasks', () => {
    store.insert(row({ id: 'shop0001', name: 'web', project: '/src/shop', state: 'running' }));
    expect(() =>
      store.insert(row({ id: 'shop0002', name: 'web', project: '/src/shop', state: 'starting' })),
    ).toThrow(NameTakenError);
    store.insert(row({ id: 'adhoc001', name: 'db', state: 'running' }));
    expect(() => store.insert(row({ id: 'adhoc002', name: 'db', state: 'running' }))).toThrow(NameTakenError);
    // An ended task of the project keeps its name for history.
    store.insert(row({ id: 'shop0003', name: 'setup', project: '/src/shop', state: 'succeeded' }));
    store.insert(row({ id: 'shop0004', name: 'setup', project: '/src/shop', state: 'running' }));
    expect(store.byProjectName('/src/shop', 'setup')?.id).toBe('shop0004');
  });
});
