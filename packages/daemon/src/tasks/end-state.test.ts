import { describe, expect, it } from 'vitest';
import { endState } from './end-state.js';

const ENDED_AT = 1_700_000_000_000;

describe('endState', () => {
  it('is timed_out when tend was stopping the task for its timeout, whatever the exit', () => {
    expect(
      endState({ state: 'stopping', stopCause: 'timeout' }, { signal: 'SIGTERM', endedAt: ENDED_AT }),
    ).toBe('timed_out');
    expect(endState({ state: 'stopping', stopCause: 'timeout' }, { exitCode: 0, endedAt: ENDED_AT })).toBe(
      'timed_out',
    );
  });

  it('is killed when a user stop was in progress, even when the task then exited 0', () => {
    expect(endState({ state: 'stopping', stopCause: 'user' }, { exitCode: 0, endedAt: ENDED_AT })).toBe(
      'killed',
    );
    expect(endState({ state: 'stopping', stopCause: 'user' }, { exitCode: 1, endedAt: ENDED_AT })).toBe(
      'killed',
    );
  });

  it('is killed for a shutdown or remove stop, even when the exit status is unknown', () => {
    expect(endState({ state: 'stopping', stopCause: 'shutdown' }, { exitCode: 0, endedAt: ENDED_AT })).toBe(
      'killed',
    );
    expect(
      endState({ state: 'stopping', stopCause: 'remove' }, { endedAt: ENDED_AT, lostReason: 'gone' }),
    ).toBe('killed');
  });

  it('is killed, not timed_out, for an expired TTL or a session gone: ends asked for in advance, not failures', () => {
    expect(endState({ state: 'stopping', stopCause: 'ttl' }, { signal: 'SIGTERM', endedAt: ENDED_AT })).toBe(
      'killed',
    );
    expect(endState({ state: 'stopping', stopCause: 'session' }, { exitCode: 0, endedAt: ENDED_AT })).toBe(
      'killed',
    );
  });

  it('is lost when the exit status is unknown, never succeeded', () => {
    expect(endState({ state: 'running' }, { endedAt: ENDED_AT, lostReason: 'the machine rebooted' })).toBe(
      'lost',
    );
    expect(
      endState({ state: 'running' }, { exitCode: 0, endedAt: ENDED_AT, lostReason: 'wrapper vanished' }),
    ).toBe('lost');
  });

  it('ignores a stop cause left on a row that is not stopping', () => {
    expect(endState({ state: 'running', stopCause: 'timeout' }, { exitCode: 0, endedAt: ENDED_AT })).toBe(
      'succeeded',
    );
  });

  it('is killed for a death by SIGTERM or SIGKILL (and the other ending signals)', () => {
    for (const signal of ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const) {
      expect(endState({ state: 'running' }, { signal, endedAt: ENDED_AT }), signal).toBe('killed');
    }
  });

  it('is failed for a death by a crash signal such as SIGSEGV or SIGABRT', () => {
    expect(endState({ state: 'running' }, { signal: 'SIGSEGV', endedAt: ENDED_AT })).toBe('failed');
    expect(endState({ state: 'running' }, { signal: 'SIGABRT', endedAt: ENDED_AT })).toBe('failed');
  });

  it('is succeeded for exit status 0', () => {
    expect(endState({ state: 'running' }, { exitCode: 0, endedAt: ENDED_AT })).toBe('succeeded');
  });

  it('is failed for a non-zero exit status such as 3', () => {
    expect(endState({ state: 'running' }, { exitCode: 3, endedAt: ENDED_AT })).toBe('failed');
    expect(endState({ state: 'starting' }, { exitCode: 127, endedAt: ENDED_AT })).toBe('failed');
  });
});
