import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { makeTask } from '../../../test/support/task.mjs';
import { CliError } from './errors.js';
import { exitCodeOf } from './exit-status.js';

function task(fields: Partial<Task>): Task {
  return makeTask({ state: 'succeeded', ...fields });
}

describe('exitCodeOf', () => {
  it("returns the task's own exit code", () => {
    expect(exitCodeOf(task({ state: 'succeeded', exitCode: 0 }))).toBe(0);
    expect(exitCodeOf(task({ state: 'failed', exitCode: 3 }))).toBe(3);
  });

  it('returns 128 plus the signal number when a signal ended the task', () => {
    expect(exitCodeOf(task({ state: 'killed', signal: 'SIGKILL' }))).toBe(137);
    expect(exitCodeOf(task({ state: 'killed', signal: 'SIGTERM' }))).toBe(143);
    expect(exitCodeOf(task({ state: 'timed_out', signal: 'SIGINT' }))).toBe(130);
  });

  it('fails with exit 125 and says the status is unknown for a lost task', () => {
    const lost = task({ state: 'lost', reason: 'reboot' });
    expect(() => exitCodeOf(lost)).toThrow(CliError);
    expect(() => exitCodeOf(lost)).toThrow('task abc123 was lost: its exit status is unknown (reboot)');
    try {
      exitCodeOf(lost);
    } catch (err) {
      expect((err as CliError).exitCode).toBe(125);
    }
  });

  it('fails for a task that is still running', () => {
    expect(() => exitCodeOf(task({ state: 'running' }))).toThrow('task abc123 is still running');
  });

  it('fails for an ended task with neither code nor signal, quoting its reason', () => {
    expect(() => exitCodeOf(task({ state: 'failed', reason: 'spawn error' }))).toThrow(
      'task abc123 ended failed without an exit status (spawn error)',
    );
  });
});
