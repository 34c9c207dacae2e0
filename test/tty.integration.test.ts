import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, harness, restart, useDaemon } from './daemon-setup.js';
import type { Task } from '@tend/protocol';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

// task/run { tty: true }: the command runs under a pseudo-terminal (util-linux
// script), its bytes still go to output.log, and it still outlives the daemon.

useDaemon();

const ISATTY = `python3 -c 'import sys; print(sys.stdout.isatty())'`;

async function output(id: string, clean = false): Promise<string> {
  return (await client.request('task/output', { id, clean })).data;
}

async function ended(id: string): Promise<Task> {
  return (await client.request('task/wait', { id, timeoutMs: 20_000 })).task;
}

describe('task/run tty', () => {
  it('gives the command a terminal: isatty(1) is true, and the log holds the bytes as written (no CRLF)', async () => {
    const plain = await client.request('task/run', { command: ISATTY, cwd: harness.home });
    const task = await client.request('task/run', { command: ISATTY, cwd: harness.home, tty: true });
    expect(task.tty).toBe(true);
    expect(plain.tty).toBeUndefined();
    expect(await ended(plain.id)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(await ended(task.id)).toMatchObject({ state: 'succeeded', exitCode: 0, tty: true });
    expect(await output(plain.id)).toBe('False\n');
    expect(await output(task.id)).toBe('True\n');
    expect(await output(task.id, true)).toBe('True\n');
    expect((await client.request('task/get', { id: task.id })).tty).toBe(true);
  });

  it("keeps the task's environment: SHELL as given, no variable of tend's plumbing but TEND_TASK_ID", async () => {
    const task = await client.request('task/run', {
      command: 'echo "[$SHELL][$TEND_TASK_ID]"; env | grep ^TEND_TTY || echo none',
      cwd: harness.home,
      env: { SHELL: '/bin/sh-as-given' },
      tty: true,
    });
    expect(await ended(task.id)).toMatchObject({ state: 'succeeded' });
    expect(await output(task.id)).toBe(`[/bin/sh-as-given][${task.id}]\nnone\n`);
  });

  it('shows bytes printed without a newline while the command still runs', async () => {
    const go = join(harness.home, 'go');
    const task = await client.request('task/run', {
      command: `printf partial; while [ ! -e ${go} ]; do sleep 0.05; done; echo ' done'`,
      cwd: harness.home,
      tty: true,
    });
    await pollUntil('the partial line in the log', async () => (await output(task.id)) === 'partial');
    expect((await client.request('task/get', { id: task.id })).state).toBe('running');
    writeFileSync(go, '');
    expect(await ended(task.id)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(await output(task.id)).toBe('partial done\n');
  });

  it("reports the command's exit status and the signal that ended it", async () => {
    const failing = await client.request('task/run', {
      command: 'echo no; exit 3',
      cwd: harness.home,
      tty: true,
    });
    const killed = await client.request('task/run', {
      command: 'kill -KILL $$',
      cwd: harness.home,
      tty: true,
    });
    expect(await ended(failing.id)).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(await ended(killed.id)).toMatchObject({ state: 'killed', signal: 'SIGKILL' });
  });

  it('survives kill -9 of the daemon and ends with its real status', async () => {
    const go = join(harness.home, 'go');
    const task = await client.request('task/run', {
      command: `echo before; while [ ! -e ${go} ]; do sleep 0.05; done; echo after; exit 4`,
      cwd: harness.home,
      tty: true,
    });
    await pollUntil('before', async () => (await output(task.id)).includes('before'));
    await harness.kill9();
    expect(isAlive(task.pid)).toBe(true);
    writeFileSync(go, '');
    await pollUntil('the wrapper to end', () => !isAlive(task.pid));
    await restart();
    expect(await ended(task.id)).toMatchObject({ state: 'failed', exitCode: 4 });
    expect(await output(task.id)).toBe('before\nafter\n');
  });

  it('stop reaches the command in its terminal session: it handles SIGTERM, its last words are kept', async () => {
    const task = await client.request('task/run', {
      command: `trap 'echo bye from $$; exit 7' TERM; echo ready $$; while :; do sleep 0.05; done`,
      cwd: harness.home,
      tty: true,
    });
    const pid = Number(await pollUntil('ready', async () => /ready (\d+)/.exec(await output(task.id))?.[1]));
    expect(pid).not.toBe(task.pid);
    await client.request('task/kill', { id: task.id, graceMs: 20_000 });
    expect(await ended(task.id)).toMatchObject({ state: 'killed', exitCode: 7 });
    expect(await output(task.id)).toContain(`bye from ${pid}\n`);
    expect(isAlive(pid)).toBe(false);
  });

  it('stop ends a command that does not handle SIGTERM, and SIGKILL escalation ends one that ignores it', async () => {
    const plain = await client.request('task/run', {
      command: 'echo ready $$; exec sleep 600',
      cwd: harness.home,
      tty: true,
    });
    const stubborn = await client.request('task/run', {
      command: `trap '' TERM; echo ready $$; while :; do sleep 0.05; done`,
      cwd: harness.home,
      tty: true,
    });
    const pidOf = async (id: string) =>
      Number(await pollUntil('ready', async () => /ready (\d+)/.exec(await output(id))?.[1]));
    const plainPid = await pidOf(plain.id);
    const stubbornPid = await pidOf(stubborn.id);
    await client.request('task/kill', { id: plain.id });
    await client.request('task/kill', { id: stubborn.id, graceMs: 300 });
    const plainEnd = await ended(plain.id);
    expect(plainEnd, JSON.stringify(plainEnd)).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
    expect(await ended(stubborn.id)).toMatchObject({ state: 'killed', signal: 'SIGKILL' });
    await pollUntil('the commands to be gone', () => !isAlive(plainPid) && !isAlive(stubbornPid));
  });

  it('forwards SIGINT: a Python program gets KeyboardInterrupt', async () => {
    const task = await client.request('task/run', {
      command: `python3 -c "import time; print('ready', flush=True); time.sleep(600)"`,
      cwd: harness.home,
      tty: true,
    });
    await pollUntil('ready', async () => (await output(task.id)).includes('ready'));
    await client.request('task/kill', { id: task.id, signal: 'SIGINT', graceMs: 20_000 });
    expect(await ended(task.id)).toMatchObject({ state: 'killed' });
    expect(await output(task.id)).toContain('KeyboardInterrupt');
  });

  it("counts the command's processes in task/stats, though they run in the terminal's session", async () => {
    const task = await client.request('task/run', {
      command: 'echo ready $$; exec sleep 600',
      cwd: harness.home,
      tty: true,
    });
    const pid = Number(await pollUntil('ready', async () => /ready (\d+)/.exec(await output(task.id))?.[1]));
    const [stats] = (await client.request('task/stats', { ids: [task.id] })).stats;
    expect(stats.pids).toContain(task.pid);
    expect(stats.pids).toContain(pid);
    await client.request('task/kill', { id: task.id });
    expect(await ended(task.id)).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
  });
});
