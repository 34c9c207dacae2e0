import { InvalidParamsError } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { topological, upOrder, withDependants } from './project-graph.js';

const stack = {
  setup: {},
  db: {},
  api: { setup: 'succeeded' as const, db: 'ready' as const },
  web: { api: 'ready' as const },
  docs: {},
};

describe('project dependency graph', () => {
  it('brings up what the names need, dependencies first, else in declaration order', () => {
    expect(upOrder('project/up', stack, ['web'])).toEqual(['setup', 'db', 'api', 'web']);
    expect(upOrder('project/up', stack, undefined)).toEqual(['setup', 'db', 'api', 'web', 'docs']);
    expect(upOrder('project/up', stack, ['db'])).toEqual(['db']);
  });

  it('finds the dependants of a task, transitively', () => {
    expect([...withDependants(stack, ['db'])].sort()).toEqual(['api', 'db', 'web']);
    expect(topological(stack, ['web', 'api', 'db'])).toEqual(['db', 'api', 'web']);
  });

  it('refuses a cycle, spelled out, an unknown dependency and an unknown name, naming the file', () => {
    const cycle = { a: { b: 'ready' as const }, b: { c: 'started' as const }, c: { a: 'ready' as const } };
    expect(() => upOrder('project/up', cycle, undefined, '/p/tend.toml')).toThrow(
      /\/p\/tend\.toml: dependency cycle: a → b → c → a/,
    );
    expect(() => upOrder('project/up', { a: { nope: 'ready' } }, undefined)).toThrow(
      /task "a" depends on "nope", which is not declared/,
    );
    expect(() => upOrder('project/up', stack, ['wbe'])).toThrow(InvalidParamsError);
    expect(() => upOrder('project/up', { a: { a: 'ready' } }, undefined)).toThrow(/dependency cycle: a → a/);
  });
});
