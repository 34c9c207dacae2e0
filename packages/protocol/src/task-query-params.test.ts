import { describe, expect, it } from 'vitest';
import { parseParams } from './method.js';
import { TaskGet } from './methods/task-get.js';
import { TaskKill } from './methods/task-kill.js';
import { TaskList } from './methods/task-list.js';
import { TaskRemove } from './methods/task-remove.js';
import { TaskWait } from './methods/task-wait.js';
import { refusal } from './test-support/params.js';

// task/list, task/wait (until), task/kill, task/get and task/remove params.

describe('task/list params', () => {
  it('defaults limit to 100 and sets no filter', () => {
    expect(parseParams(TaskList, {})).toEqual({ limit: 100 });
    expect(parseParams(TaskList, undefined)).toEqual({ limit: 100 });
  });

  it('refuses a limit of 0 and one over 1000', () => {
    expect(refusal(TaskList, { limit: 0 }).issues[0]).toMatch(/^limit: .* \(got 0\)$/);
    expect(refusal(TaskList, { limit: 1001 }).issues[0]).toMatch(/^limit: .* \(got 1001\)$/);
    expect(parseParams(TaskList, { limit: 1000 }).limit).toBe(1000);
  });

  it('refuses an empty state filter and a state that does not exist, naming the array item', () => {
    expect(refusal(TaskList, { state: [] }).issues[0]).toMatch(/^state: .*\(got \[\]\)$/);
    expect(refusal(TaskList, { state: ['running', 'done'] }).issues[0]).toMatch(
      /^state\.1: .*\(got "done"\)$/,
    );
  });
});

describe('task/wait until', () => {
  it('accepts exactly one condition and refuses two, or a URL that is not http', () => {
    expect(parseParams(TaskWait, { id: 'x', until: { port: 3000 } })).toEqual({
      id: 'x',
      until: { port: 3000 },
    });
    expect(refusal(TaskWait, { id: 'x', until: { port: 3000, output: 'ready' } }).issues[0]).toMatch(
      /^until: give exactly one of exit, output, port or http/,
    );
    expect(refusal(TaskWait, { id: 'x', until: { http: 'ftp://example.org/' } }).issues[0]).toMatch(
      /^until\.http: must be an http/,
    );
    expect(refusal(TaskWait, { id: 'x', until: { port: 70000 } }).issues[0]).toMatch(/^until\.port: /);
  });
});

describe('task/kill params', () => {
  it('defaults the signal to SIGTERM, the grace period to 10000 ms, and waits for the end', () => {
    expect(parseParams(TaskKill, { id: 'q7x' })).toEqual({
      id: 'q7x',
      signal: 'SIGTERM',
      graceMs: 10_000,
      wait: true,
    });
    expect(parseParams(TaskKill, { id: 'q7x', wait: false })).toMatchObject({ wait: false });
    expect(refusal(TaskKill, { id: 'q7x', wait: 'yes' }).issues[0]).toMatch(/^wait: /);
  });

  it('refuses a short signal name, since the wire takes full names only', () => {
    expect(refusal(TaskKill, { id: 'q7x', signal: 'TERM' }).issues[0]).toMatch(/^signal: .*\(got "TERM"\)$/);
  });

  it('refuses a grace period over 300000 ms', () => {
    expect(refusal(TaskKill, { id: 'q7x', graceMs: 300_001 }).issues[0]).toMatch(
      /^graceMs: .*\(got 300001\)$/,
    );
  });
});

describe('task/get, task/wait and task/remove params', () => {
  it('refuses an empty task reference with a message that says what it should be', () => {
    expect(refusal(TaskGet, { id: '' }).issues).toEqual([
      'id: must be a task id, id prefix or name (got "")',
    ]);
  });

  it('refuses a negative wait timeout and accepts a zero one', () => {
    expect(refusal(TaskWait, { id: 'q7x', timeoutMs: -1 }).issues).toEqual([
      'timeoutMs: must be 0 or more ms (got -1)',
    ]);
    expect(parseParams(TaskWait, { id: 'q7x', timeoutMs: 0 })).toEqual({ id: 'q7x', timeoutMs: 0 });
  });

  it('defaults force to false on remove', () => {
    expect(parseParams(TaskRemove, { id: 'q7x' })).toEqual({ id: 'q7x', force: false });
  });
});
