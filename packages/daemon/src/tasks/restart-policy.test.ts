import { describe, expect, it } from 'vitest';
import { decideRestart, resolveRestartPolicy } from './restart-policy.js';

const END = 1_000_000;
const policy = resolveRestartPolicy({
  policy: 'on-failure',
  maxRestarts: 3,
  windowMs: 10_000,
  backoffMs: 100,
});
const always = resolveRestartPolicy({ policy: 'always' });

describe('resolveRestartPolicy', () => {
  it('fills in the defaults, and stores nothing for no policy or "no"', () => {
    expect(always).toEqual({
      policy: 'always',
      maxRestarts: 5,
      windowMs: 60_000,
      backoffMs: 500,
      backoffMaxMs: 30_000,
    });
    expect(resolveRestartPolicy(undefined)).toBeUndefined();
    expect(resolveRestartPolicy({ policy: 'no', maxRestarts: 3 })).toBeUndefined();
  });
});

describe('decideRestart', () => {
  it('restarts a failed or timed-out run under on-failure, not a succeeded, killed or lost one', () => {
    const row = { restart: policy, state: 'running' as const };
    expect(decideRestart(row, 'failed', END)).toEqual({
      kind: 'restart',
      restartAt: END + 100,
      restartTimes: [END],
    });
    expect(decideRestart({ ...row, state: 'stopping', stopCause: 'timeout' }, 'timed_out', END)?.kind).toBe(
      'restart',
    );
    expect(decideRestart(row, 'succeeded', END)).toBeUndefined();
    expect(decideRestart(row, 'killed', END)).toBeUndefined();
    expect(decideRestart(row, 'lost', END)).toBeUndefined();
  });

  it('restarts a succeeded run under always', () => {
    expect(decideRestart({ restart: always, state: 'running' }, 'succeeded', END)?.kind).toBe('restart');
  });

  it('never restarts after a stop by a user, a lifetime end or a shutdown, nor without a policy', () => {
    for (const stopCause of ['user', 'ttl', 'session', 'shutdown', 'remove'] as const)
      expect(decideRestart({ restart: always, state: 'stopping', stopCause }, 'killed', END)).toBeUndefined();
    expect(decideRestart({ state: 'running' }, 'failed', END)).toBeUndefined();
  });

  it('restarts at once after a task/restart stop, with or without a policy, outside the count', () => {
    expect(
      decideRestart({ state: 'stopping', stopCause: 'restart', restartTimes: [5] }, 'killed', END),
    ).toEqual({
      kind: 'restart',
      restartAt: END,
      restartTimes: [5],
    });
  });

  it('doubles the backoff for each restart in the window, up to backoffMaxMs', () => {
    const row = { restart: { ...policy!, maxRestarts: 100, backoffMaxMs: 500 }, state: 'running' as const };
    const delays = [0, 1, 2, 3, 4].map((n) => {
      const restartTimes = Array.from({ length: n }, (_, i) => END - 1000 + i);
      const decision = decideRestart({ ...row, restartTimes }, 'failed', END);
      return decision?.kind === 'restart' ? decision.restartAt - END : undefined;
    });
    expect(delays).toEqual([100, 200, 400, 500, 500]);
  });

  it('gives up after maxRestarts within the window, counting only restarts in it', () => {
    const row = { restart: policy, state: 'running' as const };
    const inWindow = [END - 3000, END - 2000, END - 1000];
    expect(decideRestart({ ...row, restartTimes: inWindow }, 'failed', END)).toEqual({
      kind: 'give-up',
      reason: 'restart limit reached: 3 restarts in 10s (failed again)',
    });
    // Older restarts have left the window: restarts again, with the backoff of one restart in it.
    const decision = decideRestart(
      { ...row, restartTimes: [END - 20_000, END - 15_000, END - 1000] },
      'failed',
      END,
    );
    expect(decision).toEqual({ kind: 'restart', restartAt: END + 200, restartTimes: [END - 1000, END] });
  });
});
