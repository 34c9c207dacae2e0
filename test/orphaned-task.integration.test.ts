import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, harness, restart, useDaemon } from './daemon-setup.js';
import type { Task } from '@tend/protocol';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

// Item 11: a command that kills its own wrapper (or anything that kills only
// the wrapper) leaves processes of the task running; the task stays live and
// stoppable until they end, and records no exit status it does not know.

const TERMINAL = ['succeeded', 'failed', 'killed', 'timed_out', 'lost'];

/** The pid the command printed as the first line of its log. */
async function printedPid(task: { logPath: string }): Promise<number> {
  return pollUntil('the command to print its pid', () => {
    const line = existsSync(task.logPath) ? readFileSync(task.logPath, 'utf8').split('\n')[0] : '';
    return /^\d+$/.test(line ?? '') ? Number(line) : undefined;
  });
}

/** Waits until the daemon has seen the wrapper go (a reason appears, or the task ends). */
async function afterWrapperSeenGone(id: string): Promise<Task> {
  return pollUntil('the daemon to see the wrapper gone', async () => {
    const task = await client.request('task/get', { id });
    return task.reason !== undefined || TERMINAL.includes(task.state) ? task : undefined;
  });
}

async function expectStoppable(id: string, commandPid: number): Promise<void> {
  const ended = client.request('task/wait', { id, timeoutMs: 15_000 });
  await client.request('task/kill', { id, signal: 'SIGTERM', graceMs: 5_000 });
  expect((await ended).task).toMatchObject({ state: 'killed', reason: 'killed by user (SIGTERM)' });
  await pollUntil('the command to be gone', () => !isAlive(commandPid));
}

// Every test runs twice: with the default containment (auto: marker on a machine where the test
// cannot give the daemon a cgroup) and with a test cgroup root (containment cgroup).
describe.each([{ cgroup: false }, { cgroup: true }])(
  'orphaned tasks (cgroup root: $cgroup)',
  ({ cgroup }) => {
    useDaemon({ cgroup });

    describe('a command that kills its own wrapper', () => {
      it('stays running, with a reason, and task/kill still stops its processes', async () => {
        const task = await client.request('task/run', {
          command: 'echo $$; kill -9 $PPID; exec sleep 60',
          cwd: harness.home,
        });
        const commandPid = await printedPid(task);
        await pollUntil('the wrapper to die', () => !isAlive(task.pid));
        const seen = await afterWrapperSeenGone(task.id);
        expect(seen.state).toBe('running');
        expect(seen.reason).toBe(
          "its wrapper was killed by SIGKILL before it recorded the command's exit status; the task's remaining processes are tracked until they end",
        );
        expect(seen.exitCode).toBeUndefined();
        expect(seen.signal).toBeUndefined();
        expect(isAlive(commandPid)).toBe(true);
        await expectStoppable(task.id, commandPid);
      });

      it('ends lost with no exit status once its last process ends on its own', async () => {
        // The command outlives its wrapper until the daemon has seen the wrapper gone (file `go`).
        const go = join(harness.home, 'go');
        const task = await client.request('task/run', {
          command: `kill -9 $PPID; ${untilFileExists(go, harness.home)}; exit 3`,
          cwd: harness.home,
        });
        await afterWrapperSeenGone(task.id);
        writeFileSync(go, '');
        const { task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
        expect(ended.state).toBe('lost');
        expect(ended.exitCode).toBeUndefined();
        expect(ended.signal).toBeUndefined();
        expect(ended.reason).toBe(
          "its wrapper was killed by SIGKILL before it recorded the command's exit status; the task ended with its last remaining process; the command's exit status is unknown",
        );
      });

      it('is tracked the same way when the daemon adopted the task before the wrapper died', async () => {
        const go = join(harness.home, 'go');
        const task = await client.request('task/run', {
          command: `echo $$; while [ ! -e ${go} ]; do sleep 0.05; done; kill -9 $PPID; exec sleep 60`,
          cwd: harness.home,
        });
        const commandPid = await printedPid(task);
        await harness.kill9();
        await restart();
        writeFileSync(go, '');
        await pollUntil('the wrapper to die', () => !isAlive(task.pid));
        const seen = await afterWrapperSeenGone(task.id);
        expect(seen).toMatchObject({
          state: 'running',
          reason: expect.stringMatching(/^its wrapper ended without recording/),
        });
        expect(isAlive(commandPid)).toBe(true);
        await expectStoppable(task.id, commandPid);
      });

      it('is kept live by a daemon that starts after the wrapper was killed', async () => {
        const task = await client.request('task/run', {
          command: 'echo $$; exec sleep 60',
          cwd: harness.home,
        });
        const commandPid = await printedPid(task);
        await harness.kill9();
        process.kill(task.pid, 'SIGKILL');
        await pollUntil('the wrapper to die', () => !isAlive(task.pid));
        await restart();
        const seen = await client.request('task/get', { id: task.id });
        expect(seen).toMatchObject({
          state: 'running',
          reason: expect.stringMatching(/^its wrapper ended without recording/),
        });
        expect(isAlive(commandPid)).toBe(true);
        await expectStoppable(task.id, commandPid);
      });
    });
  },
);
