import { describe, expect, it } from 'vitest';
import { contextOf, fakeTend, outputResult, task } from '../test-support/fake-tend.js';
import { taskRun, taskRunSchema } from './task-run.js';

const parse = (input: unknown) => taskRunSchema('/work/project').parse(input);
/**
 * What start_task adds to every task/run: this (server) process's environment and umask over the daemon's,
 * and killLeftovers (on by default for agents).
 */
const serverEnv = {
  capturedEnv: expect.objectContaining({ PATH: process.env.PATH }),
  inheritEnv: true,
  umask: expect.stringMatching(/^0[0-7]{3}$/),
  killLeftovers: true,
};

describe('start_task', () => {
  it('runs the command in the workspace, reuses a live task of the same name by default, and says how to address it', async () => {
    const { api, calls } = fakeTend({ run: () => task({ name: 'web' }) });
    const answer = await taskRun(parse({ command: 'npm run dev', name: 'web' }), contextOf(api));
    expect(calls).toEqual([
      {
        method: 'run',
        args: [
          {
            command: 'npm run dev',
            cwd: '/work/project',
            name: 'web',
            reuse: true,
            lifetime: 'session',
            ...serverEnv,
          },
        ],
      },
    ]);
    expect(answer.isError).toBeUndefined();
    expect(answer.text).toBe(
      'Started task k3j9x2ab "web": running (pid 4242, up 1 min 5 s), in /work/project.\n' +
        'Use id "k3j9x2ab" or name "web" with read_output, wait_task and stop_task.',
    );
  });

  it('resolves a relative cwd against the workspace, passes env and the task deadline, and sends no reuse without a name', async () => {
    const { api, calls } = fakeTend({ run: () => task() });
    await taskRun(
      parse({ command: 'make', cwd: 'sub/dir', env: { A: '1' }, timeout_ms: 60_000 }),
      contextOf(api),
    );
    expect(calls[0]!.args[0]).toEqual({
      command: 'make',
      cwd: '/work/project/sub/dir',
      env: { A: '1' },
      timeoutMs: 60_000,
      lifetime: 'session',
      ...serverEnv,
    });
  });

  it('passes kill_leftovers: false on as killLeftovers false (processes the command leaves keep running)', async () => {
    const { api, calls } = fakeTend({ run: () => task() });
    await taskRun(parse({ command: 'make', kill_leftovers: false }), contextOf(api));
    expect(calls[0]!.args[0]).toMatchObject({ command: 'make', killLeftovers: false });
  });

  it('says when an existing live task was reused instead of starting a second copy', async () => {
    const { api } = fakeTend({ run: () => ({ ...task({ name: 'web' }), reused: true }) });
    const answer = await taskRun(parse({ command: 'npm run dev', name: 'web' }), contextOf(api));
    expect(answer.text).toMatch(
      /^Reused the live task k3j9x2ab "web": it already runs this command in \/work\/project, so no second copy was started\./,
    );
  });

  it('waits for a readiness pattern with a bounded wait and reports the matching line', async () => {
    const { api, calls } = fakeTend({
      run: () => task(),
      wait: () => ({ outcome: 'output', match: 'listening on :3000', task: task() }),
    });
    const answer = await taskRun(
      parse({ command: 'npm run dev', wait_until: { output: 'listening' } }),
      contextOf(api),
    );
    expect(calls[1]).toEqual({
      method: 'wait',
      args: ['k3j9x2ab', { timeoutMs: 30_000, until: { output: 'listening' } }],
    });
    expect(answer.text).toMatch(
      /\nReady after \d\.\d s: a line matched \/listening\/: "listening on :3000"\. task k3j9x2ab is running/,
    );
  });

  it('reports a task that exited before it was ready, with its last lines', async () => {
    const failed = task({ state: 'failed', exitCode: 1, durationMs: 800 });
    const { api, calls } = fakeTend({
      run: () => task(),
      wait: () => ({ outcome: 'exited', task: failed }),
      output: () => outputResult('Error: port 3000 in use\n'),
    });
    const answer = await taskRun(
      parse({ command: 'npm run dev', wait_until: { port: 3000, timeout_ms: 5000 } }),
      contextOf(api),
    );
    expect(calls[1]!.args).toEqual(['k3j9x2ab', { timeoutMs: 5000, until: { port: 3000 } }]);
    expect(calls[2]!.args[0]).toMatchObject({ id: 'k3j9x2ab', tail: { lines: 20 }, clean: true });
    expect(answer.text).toContain(
      'task k3j9x2ab ended before port 3000 listening: failed (exit code 1) after 0.8 s.\nLast lines of its output:\n```\nError: port 3000 in use\n```',
    );
  });

  it('waits for the end with wait_until.exit and says a wait that ran out is not an error', async () => {
    const { api, calls } = fakeTend({
      run: () => task(),
      wait: () => ({ outcome: 'timeout', task: task() }),
      output: () => outputResult('test 41/90\n'),
    });
    const answer = await taskRun(
      parse({ command: 'npm test', wait_until: { exit: true, timeout_ms: 45_000 } }),
      contextOf(api),
    );
    expect(calls[1]!.args).toEqual(['k3j9x2ab', { timeoutMs: 45_000 }]);
    expect(answer.isError).toBeUndefined();
    expect(answer.text).toMatch(
      /Still waiting for its end after .*: task k3j9x2ab is running .* This is not an error/,
    );
    expect(answer.text).toContain('test 41/90');
  });

  it('still reports the started task when the wait itself fails', async () => {
    const { api } = fakeTend({
      run: () => task(),
      wait: () => Promise.reject(new Error('connection closed')),
    });
    const answer = await taskRun(
      parse({ command: 'x', wait_until: { http: 'http://localhost:3000/' } }),
      contextOf(api),
    );
    expect(answer.text).toContain('Started task k3j9x2ab');
    expect(answer.text).toContain('The task is running, but waiting for it failed: connection closed');
  });

  it('refuses two wait conditions, or none, before starting anything', async () => {
    const { api, calls } = fakeTend({});
    await expect(
      taskRun(parse({ command: 'x', wait_until: { output: 'a', port: 1 } }), contextOf(api)),
    ).rejects.toThrow('give one condition to wait for, not output and port');
    await expect(
      taskRun(parse({ command: 'x', wait_until: { timeout_ms: 5 } }), contextOf(api)),
    ).rejects.toThrow('wait_until needs one of output, port, http or exit');
    // The schema (task/wait's until rules) refuses a pattern RE2 cannot run, naming the field.
    expect(() => parse({ command: 'x', wait_until: { output: '(a)\\1' } })).toThrow(
      'refused: backreferences',
    );
    expect(calls).toEqual([]);
  });

  it('rejects a wait longer than 45 s and a blank command at the schema', () => {
    expect(() => parse({ command: 'x', wait_until: { exit: true, timeout_ms: 60_000 } })).toThrow();
    expect(() => parse({ command: '  ' })).toThrow();
  });
});
