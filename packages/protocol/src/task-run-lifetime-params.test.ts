import { describe, expect, it } from 'vitest';
import { parseParams } from './method.js';
import { TaskRun } from './methods/task-run.js';
import { refusal, run } from './test-support/params.js';

// task/run lifetime policies: lifetime and ttlMs (the session check needs the connection: daemon tests).

describe('task/run lifetime and ttlMs', () => {
  it('takes lifetime "session" and "persistent", and a ttlMs up to 30 days', () => {
    expect(parseParams(TaskRun, { ...run, lifetime: 'session' }).lifetime).toBe('session');
    expect(parseParams(TaskRun, { ...run, lifetime: 'persistent' }).lifetime).toBe('persistent');
    expect(parseParams(TaskRun, { ...run, ttlMs: 30 * 24 * 3600 * 1000 }).ttlMs).toBe(2_592_000_000);
  });

  it('refuses another lifetime, saying which ones exist', () => {
    expect(refusal(TaskRun, { ...run, lifetime: 'forever' }).issues).toEqual([
      'lifetime: must be "persistent" (runs until it ends or is stopped) or "session" (stopped when its session is gone) (got "forever")',
    ]);
  });

  it('refuses a ttlMs of 0, a negative or fractional one, and one over 30 days', () => {
    expect(refusal(TaskRun, { ...run, ttlMs: 0 }).issues).toEqual([
      'ttlMs: must be a positive number of ms (got 0)',
    ]);
    expect(refusal(TaskRun, { ...run, ttlMs: -1 }).issues).toEqual([
      'ttlMs: must be a positive number of ms (got -1)',
    ]);
    expect(refusal(TaskRun, { ...run, ttlMs: 1.5 }).issues).toEqual([
      'ttlMs: must be an integer number of ms (got 1.5)',
    ]);
    expect(refusal(TaskRun, { ...run, ttlMs: 2_592_000_001 }).issues).toEqual([
      'ttlMs: must be at most 30 days (got 2592000001)',
    ]);
  });
});
