import { describe, expect, it } from 'vitest';
import { contextOf, fakeTend, outputResult, task } from '../test-support/fake-tend.js';
import { taskWait, taskWaitSchema } from './task-wait.js';

const parse = (input: unknown) => taskWaitSchema.parse(input);

describe('wait_task', () => {
  it('waits for the end within 30 s by default and reports the exit status with the last lines', async () => {
    const ended = task({ state: 'failed', exitCode: 2, durationMs: 12_000 });
    const { api, calls } = fakeTend({
      get: () => task(),
      wait: () => ({ outcome: 'exited', task: ended }),
      output: () => outputResult('FAIL src/a.test.ts\n'),
    });
    const answer = await taskWait(parse({ id: 'tests' }), contextOf(api));
    expect(calls[1]).toEqual({ method: 'wait', args: ['k3j9x2ab', { timeoutMs: 30_000 }] });
    expect(answer).toEqual({
      text: 'task k3j9x2ab ended: failed (exit code 2) after 12 s.\nLast lines of its output:\n```\nFAIL src/a.test.ts\n```',
      structured: {
        outcome: 'exited',
        waitedMs: expect.any(Number),
        lastLines: 'FAIL src/a.test.ts\n',
        task: ended,
      },
    });
  });

  it('waits for a URL to answer and says so once it does', async () => {
    const { api, calls } = fakeTend({ get: () => task(), wait: () => ({ outcome: 'http', task: task() }) });
    const answer = await taskWait(
      parse({ id: 'web', until: { http: 'http://localhost:3000/' }, timeout_ms: 10_000 }),
      contextOf(api),
    );
    expect(calls[1]!.args).toEqual([
      'k3j9x2ab',
      { timeoutMs: 10_000, until: { http: 'http://localhost:3000/' } },
    ]);
    expect(answer.text).toMatch(
      /^Ready after \d\.\d s: http:\/\/localhost:3000\/ answered\. task k3j9x2ab is running/,
    );
  });

  it('answers "still waiting" without an error flag when the bound passes first', async () => {
    const { api } = fakeTend({
      get: () => task(),
      wait: () => ({ outcome: 'timeout', task: task() }),
      output: () => outputResult(''),
    });
    const answer = await taskWait(parse({ id: 'web', until: { port: 8080 } }), contextOf(api));
    expect(answer.isError).toBeUndefined();
    expect(answer.text).toMatch(
      /^Still waiting for port 8080 listening after .*This is not an error: the task keeps running\. Call wait_task again/s,
    );
    expect(answer.text).toContain('It has printed nothing.');
  });

  it('accepts at most 45 s per call', () => {
    expect(() => parse({ id: 'x', timeout_ms: 45_001 })).toThrow();
    expect(parse({ id: 'x', timeout_ms: 45_000 }).timeout_ms).toBe(45_000);
  });
});
