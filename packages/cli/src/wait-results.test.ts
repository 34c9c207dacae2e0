import type { Task } from '@tend/protocol/wire';
import { describe, expect, it } from 'vitest';
import { summarizeWaits, type WaitResult } from './wait-results.js';

function ended(id: string, fields: Partial<Task>): WaitResult {
  const task = {
    id,
    command: 'x',
    cwd: '/',
    env: {},
    state: 'succeeded',
    createdAt: '',
    logPath: '',
    outputBytes: 0,
    ...fields,
  } as Task;
  return { ref: id, outcome: 'exited', task };
}

const ok = (id: string): WaitResult => ended(id, { state: 'succeeded', exitCode: 0 });
const failed = (id: string, exitCode: number): WaitResult => ended(id, { state: 'failed', exitCode });

describe('summarizeWaits', () => {
  it('exits with the failure wherever it stands, and 0 only when every task succeeded', () => {
    expect(summarizeWaits([failed('a', 3), ok('b'), ok('c')]).code).toBe(3);
    expect(summarizeWaits([ok('a'), failed('b', 3), ok('c')]).code).toBe(3);
    expect(summarizeWaits([ok('a'), ok('b'), failed('c', 3)]).code).toBe(3);
    expect(summarizeWaits([ok('a'), ok('b')]).code).toBe(0);
  });

  it('takes the first failure in argument order, signals as 128+N', () => {
    const killed = ended('k', { state: 'killed', signal: 'SIGKILL' });
    expect(summarizeWaits([ok('a'), killed, failed('c', 3)]).code).toBe(137);
    expect(summarizeWaits([failed('c', 3), killed]).code).toBe(3);
  });

  it('counts a timeout as 124, a lost task and an unknown id as 125, each with a warning', () => {
    const running = {
      ref: 'r',
      outcome: 'timeout',
      task: { ...(ok('r') as { task: Task }).task, state: 'running' },
    } as WaitResult;
    const lost = ended('l', { state: 'lost', reason: 'reboot' });
    const unknown: WaitResult = {
      ref: 'zz',
      error: Object.assign(new Error('no task "zz"'), { reason: 'task_not_found', code: 2001 }),
    };
    const summary = summarizeWaits([ok('a'), running, lost, unknown]);
    expect(summary.code).toBe(124);
    expect(summary.warnings).toEqual([
      'timed out waiting for task r (still running)',
      'task l was lost: its exit status is unknown (reboot)',
      'no task "zz"',
    ]);
    expect(summary.failures).toEqual([
      { ref: 'l', reason: 'task_lost', message: 'task l was lost: its exit status is unknown (reboot)' },
      { ref: 'zz', reason: 'task_not_found', message: 'no task "zz"' },
    ]);
    expect(summary.lines).toEqual([
      'a succeeded (exit code 0)',
      'r running (timed out waiting)',
      'l lost (exit status unknown)',
      'zz unknown (no task "zz")',
    ]);
    expect(summarizeWaits([lost, failed('b', 2)]).code).toBe(125);
  });
});
