import { NotRunningError } from '@tend/client';
import { describe, expect, it } from 'vitest';
import { contextOf, fakeTend, outputResult, task } from '../test-support/fake-tend.js';
import { taskKill, taskKillSchema } from './task-kill.js';

const parse = (input: unknown) => taskKillSchema.parse(input);
const killed = task({
  state: 'killed',
  signal: 'SIGTERM',
  reason: 'killed by user',
  durationMs: 70_000,
  endedAt: '2026-11-21T10:01:10.000Z',
});

describe('stop_task', () => {
  it('sends SIGTERM with a 5 s grace, waits for the end and reports it with the last lines', async () => {
    let stopped = false;
    const { api, calls } = fakeTend({
      get: () => (stopped ? killed : task()),
      kill: () => task({ state: 'stopping' }),
      wait: () => {
        stopped = true;
        return { outcome: 'exited', task: killed };
      },
      output: () => outputResult('shutting down\n'),
    });
    const answer = await taskKill(parse({ id: 'web' }), contextOf(api));
    expect(calls.map((c) => c.method)).toEqual(['get', 'kill', 'wait', 'get', 'output']);
    expect(calls[1]!.args).toEqual(['k3j9x2ab', { signal: 'SIGTERM', graceMs: 10_000 }]);
    expect(calls[2]!.args).toEqual(['k3j9x2ab', { timeoutMs: 15_000 }]);
    expect(answer.text).toBe(
      'Stopped task k3j9x2ab with SIGTERM: killed (SIGTERM; killed by user) after 1 min 10 s.\nLast lines of its output:\n```\nshutting down\n```',
    );
  });

  it('says how many processes the stop signalled and how many are left when the daemon proved it', async () => {
    let looks = 0;
    const { api } = fakeTend({
      get: () => (looks++ === 0 ? task() : killed),
      kill: () => ({ ...killed, stop: { signalled: 3, remaining: 0 } }),
      wait: () => ({ outcome: 'exited', task: killed }),
      output: () => outputResult(''),
    });
    const answer = await taskKill(parse({ id: 'web' }), contextOf(api));
    expect(answer.text).toMatch(
      /^Stopped task k3j9x2ab with SIGTERM: killed \(SIGTERM; killed by user\) after 1 min 10 s\. 3 processes signalled, 0 left\.\n/,
    );
  });

  it('stops the leftovers of an ended task instead of saying nothing was sent', async () => {
    const ended = task({ state: 'succeeded', exitCode: 0, leftovers: { count: 1, running: true } });
    const { api, calls } = fakeTend({
      get: () => ended,
      kill: () => ({
        ...ended,
        leftovers: { count: 1, running: false },
        stop: { signalled: 1, remaining: 0 },
      }),
    });
    const answer = await taskKill(parse({ id: 'web' }), contextOf(api));
    expect(calls.map((c) => c.method)).toEqual(['get', 'kill']);
    expect(answer.text).toMatch(
      /had already ended \(succeeded.*\), but processes it left were still running: stopped them with SIGTERM\. 1 process signalled, 0 left\.$/,
    );
  });

  it('sends nothing to a task that has already ended, and says so without an error', async () => {
    const { api, calls } = fakeTend({ get: () => killed });
    const answer = await taskKill(parse({ id: 'web' }), contextOf(api));
    expect(calls.map((c) => c.method)).toEqual(['get']);
    expect(answer).toEqual({
      text: 'task k3j9x2ab had already ended: killed (SIGTERM; killed by user) after 1 min 10 s. Nothing was sent.',
      structured: { task: killed, signal: 'SIGTERM', sent: false, ended: true },
    });
  });

  it('reports a task that ended between the look and the signal', async () => {
    let calls = 0;
    const { api } = fakeTend({
      get: () => (calls++ === 0 ? task() : killed),
      kill: () => Promise.reject(new NotRunningError('task k3j9x2ab is not running')),
      output: () => outputResult(''),
    });
    const answer = await taskKill(parse({ id: 'web' }), contextOf(api));
    expect(answer.text).toMatch(/^task k3j9x2ab ended before the signal reached it: killed/);
  });

  it('only delivers a signal that does not stop the task, without waiting', async () => {
    const { api, calls } = fakeTend({ get: () => task(), kill: () => task() });
    const answer = await taskKill(parse({ id: 'web', signal: 'SIGUSR1' }), contextOf(api));
    expect(calls.map((c) => c.method)).toEqual(['get', 'kill', 'get']);
    expect(answer.text).toMatch(/^Sent SIGUSR1 to task k3j9x2ab .* Now: task k3j9x2ab is running/);
  });

  it('accepts signal names only, and a grace of at most 30 s', () => {
    expect(() => parse({ id: 'x', signal: 'TERM' })).toThrow();
    expect(() => parse({ id: 'x', grace_ms: 30_001 })).toThrow();
  });
});
