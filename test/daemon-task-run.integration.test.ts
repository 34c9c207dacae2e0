import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';
import { client, errorOf, harness, runAndWait, useDaemon } from './daemon-setup.js';

useDaemon();

describe('a task run through the daemon', () => {
  it('goes from starting to running to succeeded with exit code 0 and its output in the log', async () => {
    const task = await client.request('task/run', { command: 'echo hello; sleep 0.2', cwd: harness.home });
    expect(task.state).toBe('running');
    expect(task.pid).toBeGreaterThan(1);
    expect(task.pgid).toBe(task.pid);
    const ended = (await client.request('task/wait', { id: task.id })).task;
    expect(ended).toMatchObject({ state: 'succeeded', exitCode: 0, outputBytes: 6 });
    expect(ended.signal).toBeUndefined();
    const states = client.notifications
      .filter((n) => n.method === 'task/didChange' && n.params.task.id === task.id)
      .map((n) => n.params.task.state);
    expect(states).toEqual(['starting', 'running', 'succeeded']);
    // The `starting` change is the row as stored before the spawn (built from it, not read back): no process yet.
    const starting = client.notifications.find(
      (n) => n.method === 'task/didChange' && n.params.task.id === task.id,
    )?.params.task;
    const { pid, pgid, startedAt, durationMs, state, ...rest } = task;
    expect(starting).toStrictEqual({ ...rest, state: 'starting', outputBytes: 0 });
    const output = await client.request('task/output', { id: task.id });
    expect(output).toMatchObject({
      data: 'hello\n',
      offset: 0,
      nextOffset: 6,
      totalBytes: 6,
      truncated: false,
      ended: true,
    });
  });

  it('starts the next task in the spare folder made after the reply (<state>/tasks.next, renamed into place)', async () => {
    await runAndWait('true');
    const spare = join(harness.home, 'state', 'tasks.next');
    const log = await pollUntil('the spare folder', () =>
      existsSync(join(spare, 'output.log')) ? statSync(join(spare, 'output.log')) : undefined,
    );
    const next = await runAndWait('echo in the spare');
    const dir = join(harness.home, 'state', 'tasks', next.id);
    expect(statSync(join(dir, 'output.log')).ino).toBe(log.ino);
    expect(readdirSync(dir)).toContain('exit');
    expect(next).toMatchObject({ state: 'succeeded', outputBytes: 13 });
  });

  it('ends failed with the command’s own exit code', async () => {
    expect(await runAndWait('echo oops >&2; exit 42')).toMatchObject({ state: 'failed', exitCode: 42 });
  });

  it('fails with 127 and the shell’s message when the command does not exist', async () => {
    const ended = await runAndWait('no-such-command-for-tend');
    expect(ended).toMatchObject({ state: 'failed', exitCode: 127 });
    const output = await client.request('task/output', { id: ended.id });
    expect(output.data).toMatch(/no-such-command-for-tend.*not found/);
  });

  it('runs in the given cwd with the environment overrides, or only them without inheritEnv', async () => {
    const withEnv = await runAndWait('printf "%s|%s|%s" "$PWD" "$GREETING" "${TEND_HOME:-none}"', {
      env: { GREETING: 'hi there' },
    });
    expect((await client.request('task/output', { id: withEnv.id })).data).toBe(
      `${harness.home}|hi there|${harness.home}`,
    );
    const only = await runAndWait('printf "%s|%s" "$GREETING" "${TEND_HOME:-none}"', {
      env: { GREETING: 'x' },
      inheritEnv: false,
    });
    expect((await client.request('task/output', { id: only.id })).data).toBe('x|none');
  });

  it('is killed with SIGTERM by default, and with the signal asked for', async () => {
    const term = await client.request('task/run', { command: 'sleep 30', cwd: harness.home });
    // wait: false answers as soon as the signal is sent (the default waits for the end).
    const stopping = await client.request('task/kill', { id: term.id, wait: false });
    expect(stopping).toMatchObject({ state: 'stopping', reason: 'killed by user (SIGTERM)' });
    const endedTerm = (await client.request('task/wait', { id: term.id })).task;
    expect(endedTerm).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
    expect(endedTerm.exitCode).toBeUndefined();

    const kill = await client.request('task/run', { command: 'sleep 30', cwd: harness.home });
    await client.request('task/kill', { id: kill.id, signal: 'SIGKILL' });
    expect((await client.request('task/wait', { id: kill.id })).task).toMatchObject({
      state: 'killed',
      signal: 'SIGKILL',
    });
  });

  it('escalates to SIGKILL after the grace period when the command ignores SIGTERM', async () => {
    const task = await client.request('task/run', {
      command: "trap '' TERM; echo ready; while :; do sleep 0.05; done",
      cwd: harness.home,
    });
    await pollUntil('ready', async () =>
      (await client.request('task/output', { id: task.id })).data.includes('ready'),
    );
    await client.request('task/kill', { id: task.id, graceMs: 300 });
    const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task;
    expect(ended).toMatchObject({ state: 'killed', signal: 'SIGKILL' });
  });

  it('stop leaves no grandchild alive, not even one that ignores SIGTERM', async () => {
    const task = await client.request('task/run', {
      command: "sleep 300 & echo $!; (trap '' TERM; exec sleep 301) & echo $!; wait",
      cwd: harness.home,
    });
    const output = await pollUntil('two pids', async () => {
      const data: string = (await client.request('task/output', { id: task.id })).data;
      return data.trim().split('\n').length === 2 ? data : undefined;
    });
    const pids = output.trim().split('\n').map(Number);
    expect(pids.every((pid) => isAlive(pid))).toBe(true);
    await client.request('task/kill', { id: task.id, graceMs: 60_000 });
    expect((await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task.state).toBe('killed');
    await pollUntil('grandchildren to die', () => pids.every((pid) => !isAlive(pid)), {
      timeoutMs: 5_000,
    });
  });

  it('times out: killed and ended timed_out with a reason', async () => {
    const ended = await runAndWait('sleep 30', { timeoutMs: 300 });
    expect(ended).toMatchObject({
      state: 'timed_out',
      timeoutMs: 300,
      reason: 'timed out after 300 ms',
      signal: 'SIGTERM',
    });
    expect(ended.durationMs).toBeGreaterThanOrEqual(250);
  });

  it('waits with a timeout and says the wait timed out while the task runs on', async () => {
    const task = await client.request('task/run', { command: 'sleep 30', cwd: harness.home });
    const result = await client.request('task/wait', { id: task.id, timeoutMs: 100 });
    expect(result.outcome).toBe('timeout');
    expect(result.task.state).toBe('running');
  });
});

describe('remove', () => {
  it('refuses a live task unless forced, and deletes row and files', async () => {
    const task = await client.request('task/run', { command: 'sleep 30', cwd: harness.home });
    const refused = await errorOf(client.request('task/remove', { id: task.id }));
    expect(refused).toMatchObject({ code: 2004, data: { reason: 'task_live' } });
    const { task: removed } = await client.request('task/remove', { id: task.id, force: true });
    expect(removed.state).toBe('killed');
    expect(isAlive(task.pid)).toBe(false);
    expect(existsSync(join(harness.home, 'state', 'tasks', task.id))).toBe(false);
    expect((await errorOf(client.request('task/get', { id: task.id }))).code).toBe(2001);
  });
});
