import { LimitUnavailableError } from '@tend/client';
import { describe, expect, it } from 'vitest';
import { contextOf, fakeTend, task } from '../test-support/fake-tend.js';
import { toolError } from './errors.js';
import { taskRun, taskRunSchema } from './task-run.js';

// start_task's resource limits: memory_max_bytes and pids_max become task/run memoryMaxBytes and pidsMax.

const parse = (input: unknown) => taskRunSchema('/work/project').parse(input);

describe('start_task limits', () => {
  it('passes memory_max_bytes and pids_max as memoryMaxBytes and pidsMax, and neither when absent', async () => {
    const { api, calls } = fakeTend({ run: () => task() });
    await taskRun(parse({ command: 'make', memory_max_bytes: 2 * 1024 ** 3, pids_max: 512 }), contextOf(api));
    await taskRun(parse({ command: 'make' }), contextOf(api));
    expect(calls[0]?.args[0]).toMatchObject({ memoryMaxBytes: 2147483648, pidsMax: 512 });
    expect(Object.keys(calls[1]?.args[0] as object)).not.toEqual(expect.arrayContaining(['memoryMaxBytes']));
    expect(Object.keys(calls[1]?.args[0] as object)).not.toEqual(expect.arrayContaining(['pidsMax']));
  });

  it('refuses a memory cap under 1 MiB and a pids cap of 0 in the tool input', () => {
    expect(() => parse({ command: 'make', memory_max_bytes: 1000 })).toThrow();
    expect(() => parse({ command: 'make', pids_max: 0 })).toThrow();
    expect(() => parse({ command: 'make', pids_max: 1.5 })).toThrow();
  });

  it('answers limit_unavailable with the daemon message and what to do instead', () => {
    const answer = toolError(
      new LimitUnavailableError('pidsMax (--pids-max) needs the pids controller', {
        data: { reason: 'limit_unavailable', controllers: ['pids'] },
      }),
    );
    expect(answer).toEqual({
      isError: true,
      text:
        'pidsMax (--pids-max) needs the pids controller\n' +
        'This tend daemon cannot enforce memory_max_bytes or pids_max (the message says why): start the task without ' +
        'them, or tell the user what would enable them.',
    });
  });
});
