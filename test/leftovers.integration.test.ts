import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { client, harness, restart, useDaemon } from './daemon-setup.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

// Issue 12: processes that outlive a task's main command (leftovers) are recorded, shown, watched
// until they end and stopped by task/kill; killLeftovers ends them at once; task/kill waits for the
// end and proves it (stop.signalled, stop.remaining).

useDaemon();

type Stopped = Task & { stop?: { signalled: number; remaining: number } };

/** The pid a task wrote to `file` (its `$!` or `$$`), recorded for cleanup as soon as it is read. */
async function recordedPid(file: string): Promise<number> {
  const pid = await pollUntil(`a pid in ${file}`, () => {
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    return /^\d+$/.test(text) ? Number(text) : undefined;
  });
  harness.own(pid);
  return pid;
}

/** Runs `command` and waits (up to 15 000 ms) for its main command to end. */
async function runToEnd(command: string, extra: Record<string, unknown> = {}): Promise<Task> {
  const task = await client.request<Task>('task/run', { command, cwd: harness.home, ...extra });
  const { outcome, task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
  expect(outcome).toBe('exited');
  return ended as Task;
}

const get = (id: string) => client.request<Task>('task/get', { id });

describe('leftovers after the main command ended', () => {
  it('ends the task succeeded with the leftover recorded as running; task/kill ends it and proves it', async () => {
    const pidFile = join(harness.home, 'leftover.pid');
    const ended = await runToEnd(`sleep 100 & echo $! > ${pidFile}; exit 0`);
    const leftover = await recordedPid(pidFile);
    expect(ended).toMatchObject({ state: 'succeeded', exitCode: 0, leftovers: { count: 1, running: true } });
    expect(isAlive(leftover)).toBe(true);
    expect(
      (await client.request<{ tasks: Task[] }>('task/list', {})).tasks.find((t) => t.id === ended.id)
        ?.leftovers,
    ).toEqual({
      count: 1,
      running: true,
    });

    const stopped = await client.request<Stopped>('task/kill', { id: ended.id, graceMs: 5_000 });
    expect(stopped).toMatchObject({
      state: 'succeeded',
      exitCode: 0,
      leftovers: { count: 1, running: false },
    });
    expect(stopped.stop?.signalled).toBeGreaterThanOrEqual(1);
    expect(stopped.stop?.remaining).toBe(0);
    expect(isAlive(leftover)).toBe(false);
    // Nothing is left: a second stop is refused as before.
    await expect(client.request('task/kill', { id: ended.id })).rejects.toMatchObject({
      data: { reason: 'not_running' },
    });
  });

  it('with killLeftovers, SIGKILLs them as soon as the command ends: nothing is left', async () => {
    const pidFile = join(harness.home, 'leftover.pid');
    const ended = await runToEnd(`sleep 100 & echo $! > ${pidFile}; exit 0`, { killLeftovers: true });
    const leftover = await recordedPid(pidFile);
    expect(ended).toMatchObject({ state: 'succeeded', leftovers: { count: 1, running: false } });
    await pollUntil('the leftover to be gone', () => !isAlive(leftover), { timeoutMs: 2_000 });
  });

  it('takes the default of killLeftovers from the config, and task/run false overrides it', async () => {
    await client.request('daemon/shutdown', {});
    await pollUntil('the daemon to exit', () => !isAlive(harness.child?.pid as number));
    mkdirSync(join(harness.home, 'config'), { recursive: true });
    writeFileSync(join(harness.home, 'config', 'config.json'), JSON.stringify({ killLeftovers: true }));
    await restart();
    const killedFile = join(harness.home, 'killed.pid');
    const killed = await runToEnd(`sleep 100 & echo $! > ${killedFile}; exit 0`);
    const killedPid = await recordedPid(killedFile);
    expect(killed.leftovers).toEqual({ count: 1, running: false });
    await pollUntil('the leftover to be gone', () => !isAlive(killedPid), { timeoutMs: 2_000 });
    const keptFile = join(harness.home, 'kept.pid');
    const kept = await runToEnd(`sleep 100 & echo $! > ${keptFile}; exit 0`, { killLeftovers: false });
    const keptPid = await recordedPid(keptFile);
    expect(kept.leftovers).toEqual({ count: 1, running: true });
    expect(isAlive(keptPid)).toBe(true);
  });

  it('keeps outputBytes true while a leftover writes, and says when the last leftover ended', async () => {
    const go = join(harness.home, 'go');
    const done = join(harness.home, 'done');
    const ended = await runToEnd(
      `(${untilFileExists(go, harness.home)}; echo written-after-the-end; ${untilFileExists(done, harness.home)}) & exit 0`,
    );
    // The subshell, and at times the `sleep` of its loop.
    expect(ended.leftovers?.running).toBe(true);
    expect(ended.leftovers?.count).toBeGreaterThanOrEqual(1);
    const before = ended.outputBytes;
    writeFileSync(go, '');
    const grown = await pollUntil('outputBytes to grow', async () => {
      const task = await get(ended.id);
      return task.outputBytes > before ? task : undefined;
    });
    expect(grown.outputBytes).toBe(before + 'written-after-the-end\n'.length);
    writeFileSync(done, '');
    const settled = await pollUntil('the leftovers to be seen gone', async () => {
      const task = await get(ended.id);
      return task.leftovers?.running === false ? task : undefined;
    });
    expect(settled.outputBytes).toBe(grown.outputBytes);
    expect(
      client.notifications.some(
        (n) =>
          n.method === 'task/didChange' &&
          (n.params as { task: Task }).task.id === ended.id &&
          (n.params as { task: Task }).task.leftovers?.running === false,
      ),
    ).toBe(true);
  });

  it('records and stops the leftovers of a task that ends after a daemon restart adopted it', async () => {
    const go = join(harness.home, 'go');
    const pidFile = join(harness.home, 'leftover.pid');
    const task = await client.request<Task>('task/run', {
      command: `${untilFileExists(go, harness.home)}; sleep 100 & echo $! > ${pidFile}; exit 0`,
      cwd: harness.home,
    });
    await harness.kill9();
    await restart();
    writeFileSync(go, '');
    const leftover = await recordedPid(pidFile);
    const { task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
    expect(ended).toMatchObject({ state: 'succeeded', leftovers: { count: 1, running: true } });
    const stopped = await client.request<Stopped>('task/kill', { id: task.id, graceMs: 5_000 });
    expect(stopped.stop).toEqual({ signalled: 1, remaining: 0 });
    expect(isAlive(leftover)).toBe(false);
  });

  it('task/remove with force SIGKILLs the leftovers of an ended task', async () => {
    const pidFile = join(harness.home, 'leftover.pid');
    const ended = await runToEnd(`sleep 100 & echo $! > ${pidFile}; exit 0`);
    const leftover = await recordedPid(pidFile);
    await client.request('task/remove', { id: ended.id, force: true });
    await pollUntil('the leftover to be gone', () => !isAlive(leftover), { timeoutMs: 2_000 });
  });

  it('daemon/shutdown with killTasks ends the leftovers of ended tasks too', async () => {
    const pidFile = join(harness.home, 'leftover.pid');
    const ended = await runToEnd(`sleep 100 & echo $! > ${pidFile}; exit 0`);
    const leftover = await recordedPid(pidFile);
    expect(ended.leftovers?.running).toBe(true);
    await client.request('daemon/shutdown', { killTasks: true, graceMs: 5_000 });
    await pollUntil('the daemon to exit', () => !isAlive(harness.child?.pid as number));
    expect(isAlive(leftover)).toBe(false);
  });

  it('tasks that end together each count their own leftovers (their scans share a pass over /proc)', async () => {
    const go = join(harness.home, 'go-together');
    // Three tasks leave a process in a session of its own (setsid: found by its marker), one leaves none.
    const tasks = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        client.request<Task>('task/run', {
          command:
            `${untilFileExists(go, harness.home)}; ` +
            (i < 3
              ? `setsid sleep 100 & echo $! > ${join(harness.home, `together-${i}.pid`)}; exit 0`
              : 'exit 0'),
          cwd: harness.home,
        }),
      ),
    );
    writeFileSync(go, '');
    const ended = await Promise.all(
      tasks.map(async (task) => {
        const { outcome, task: end } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
        expect(outcome).toBe('exited');
        return end as Task;
      }),
    );
    const leftovers = await Promise.all(
      [0, 1, 2].map((i) => recordedPid(join(harness.home, `together-${i}.pid`))),
    );
    // The waiters' tasks carry the leftovers: each its own one, the last none.
    expect(ended.map((task) => task.leftovers)).toEqual([
      { count: 1, running: true },
      { count: 1, running: true },
      { count: 1, running: true },
      undefined,
    ]);
    for (const [i, task] of ended.slice(0, 3).entries()) {
      const stopped = await client.request<Stopped>('task/kill', { id: task.id, graceMs: 5_000 });
      expect(stopped.stop).toEqual({ signalled: 1, remaining: 0 });
      expect(isAlive(leftovers[i] as number)).toBe(false);
    }
  });

  it('watches the leftovers again after a daemon kill -9, and task/kill still ends them', async () => {
    const pidFile = join(harness.home, 'leftover.pid');
    const ended = await runToEnd(`sleep 100 & echo $! > ${pidFile}; exit 0`);
    const leftover = await recordedPid(pidFile);
    await harness.kill9();
    await restart();
    expect((await get(ended.id)).leftovers).toEqual({ count: 1, running: true });
    const stopped = await client.request<Stopped>('task/kill', { id: ended.id, graceMs: 5_000 });
    expect(stopped.stop).toEqual({ signalled: 1, remaining: 0 });
    expect(isAlive(leftover)).toBe(false);
  });
});

describe('a stopped (SIGSTOP) task', () => {
  it('reads stopped: true, and a stop ends it by SIGTERM (SIGCONT follows it), not by SIGKILL', async () => {
    const pidFile = join(harness.home, 'command.pid');
    const task = await client.request<Task>('task/run', {
      command: `echo $$ > ${pidFile}; exec sleep 100`,
      cwd: harness.home,
    });
    const command = await recordedPid(pidFile);
    await client.request('task/kill', { id: task.id, signal: 'SIGSTOP' });
    const seen = await pollUntil('the task to read stopped', async () => {
      const now = await get(task.id);
      return now.stopped ? now : undefined;
    });
    expect(seen.state).toBe('running');
    // A grace far longer than the test's deadline: only SIGTERM can end it in time.
    const stopped = await client.request<Stopped>('task/kill', { id: task.id, graceMs: 300_000 });
    expect(stopped).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
    expect(stopped.stopped).toBeUndefined();
    expect(stopped.stop?.signalled).toBeGreaterThanOrEqual(2); // the wrapper and the command
    expect(stopped.stop?.remaining).toBe(0);
    expect(isAlive(command)).toBe(false);
  });
});

describe('task/kill wait', () => {
  it('answers at once with wait: false (no stop proof), as before', async () => {
    const task = await client.request<Task>('task/run', { command: 'exec sleep 100', cwd: harness.home });
    const answer = await client.request<Stopped>('task/kill', { id: task.id, wait: false, graceMs: 5_000 });
    expect(answer.stop).toBeUndefined();
    const { task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
    expect(ended).toMatchObject({ state: 'killed' });
  });

  it('waits out the grace of a task that ignores SIGTERM and answers after its SIGKILL, nothing left', async () => {
    const pidFile = join(harness.home, 'command.pid');
    const task = await client.request<Task>('task/run', {
      command: `trap '' TERM; echo $$ > ${pidFile}; exec sleep 100`,
      cwd: harness.home,
    });
    const command = await recordedPid(pidFile);
    const stopped = await client.request<Stopped>('task/kill', { id: task.id, graceMs: 1_500 });
    expect(stopped).toMatchObject({ state: 'killed', signal: 'SIGKILL' });
    expect(stopped.stop?.signalled).toBeGreaterThanOrEqual(2);
    expect(stopped.stop?.remaining).toBe(0);
    expect(isAlive(command)).toBe(false);
  });

  it('proves a stop of a task whose child ignores SIGTERM: it gets SIGKILL when the task ends, nothing is left', async () => {
    const pidFile = join(harness.home, 'child.pid');
    const task = await client.request<Task>('task/run', {
      command: `sh -c 'trap "" TERM; echo $$ > ${pidFile}; exec sleep 100' & wait`,
      cwd: harness.home,
    });
    const child = await recordedPid(pidFile);
    const stopped = await client.request<Stopped>('task/kill', { id: task.id, graceMs: 200 });
    expect(stopped.state).toBe('killed');
    expect(stopped.stop?.signalled).toBeGreaterThanOrEqual(2);
    expect(stopped.stop?.remaining).toBe(0);
    expect(isAlive(child)).toBe(false);
  });
});
