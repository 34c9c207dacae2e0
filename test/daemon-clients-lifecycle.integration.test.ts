import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAEMON_BIN } from './daemon-harness.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';
import { client, harness, restart, useDaemon } from './daemon-setup.js';

useDaemon();

describe('several clients', () => {
  it('see the same tasks and each gets task/didChange', async () => {
    const other = await harness.connect('other');
    const task = await client.request('task/run', { command: 'exit 3', cwd: harness.home });
    await client.request('task/wait', { id: task.id });
    expect((await other.request('task/list', {})).tasks.map((t: { id: string }) => t.id)).toContain(task.id);
    for (const c of [client, other]) {
      await pollUntil('failed notification', () =>
        c.notifications.some(
          (n) =>
            n.method === 'task/didChange' && n.params.task.id === task.id && n.params.task.state === 'failed',
        ),
      );
      await pollUntil('didExit notification', () =>
        c.notifications.some((n) => n.method === 'task/didExit' && n.params.completion.taskId === task.id),
      );
    }
  });

  it('are not disturbed by a client that sends garbage or leaves mid-request', async () => {
    const garbage = connect(harness.socketPath);
    await new Promise((r) => garbage.once('connect', r));
    garbage.write('Content-Length: 99999999999\r\n\r\n');
    await pollUntil(
      'garbage connection closed by the daemon',
      () => garbage.destroyed || garbage.readableEnded,
      { timeoutMs: 5_000 },
    );
    garbage.destroy();

    const invalidJson = connect(harness.socketPath);
    await new Promise((r) => invalidJson.once('connect', r));
    let reply = '';
    invalidJson.on('data', (d) => (reply += d));
    invalidJson.write('Content-Length: 5\r\n\r\n{oops');
    await pollUntil('parse error reply', () => reply.includes('-32700'));
    invalidJson.destroy();

    const leaver = await harness.connect('leaver');
    const sleeper = await client.request('task/run', { command: 'sleep 30', cwd: harness.home });
    void leaver.request('task/wait', { id: sleeper.id }).catch(() => undefined);
    // Requests are served in order: once status answers, the wait is pending in the daemon.
    await leaver.request('daemon/status', {});
    leaver.close();

    const status = await client.request('daemon/status', {});
    expect(status.pid).toBe(harness.child?.pid);
    expect((await client.request('task/get', { id: sleeper.id })).state).toBe('running');
  });
});

describe('the daemon itself', () => {
  it('is a single instance: a second daemon exits 1 with a clear message', async () => {
    const second = await harness.runAnother();
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another daemon is already running/);
  });

  it('refuses a second daemon on the same database even when its runtime directory (socket, lock) differs', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
    const base = mkdtempSync('/tmp/tend-xdg-');
    const envFor = (runtime: string) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        XDG_RUNTIME_DIR: `${base}/${runtime}`,
        XDG_STATE_HOME: `${base}/state`,
      };
      delete env.TEND_HOME;
      delete env.TEND_SOCKET;
      return env;
    };
    const first = spawn(process.execPath, [DAEMON_BIN], { env: envFor('r1'), stdio: 'ignore' });
    harness.own(first.pid as number);
    await pollUntil('first daemon to serve', () => existsSync(`${base}/r1/tend/daemon.json`));
    const second = spawn(process.execPath, [DAEMON_BIN], {
      env: envFor('r2'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    harness.own(second.pid as number);
    let stderr = '';
    second.stderr?.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => second.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(`another tend daemon uses the state directory ${base}/state/tend`);
    process.kill(first.pid as number, 'SIGTERM');
    await pollUntil('first daemon to exit', () => !isAlive(first.pid as number));
    rmSync(base, { recursive: true, force: true });
  });

  it('keeps tasks running through shutdown and a kill -9, and the next daemon reports their real ends', async () => {
    // `longer` ends once the new daemon has seen it running (file `up`); `short` while the daemon is down (`down`).
    const up = join(harness.home, 'up');
    const down = join(harness.home, 'down');
    const longer = await client.request('task/run', {
      command: `${untilFileExists(up, harness.home)}; exit 7`,
      cwd: harness.home,
    });
    const short = await client.request('task/run', {
      command: `${untilFileExists(down, harness.home)}; exit 5`,
      cwd: harness.home,
    });
    await harness.kill9();
    writeFileSync(down, '');
    expect(isAlive(longer.pid)).toBe(true);
    await pollUntil('short task to end while the daemon is down', () => !isAlive(short.pid));
    await restart();
    expect(await client.request('task/get', { id: short.id })).toMatchObject({
      state: 'failed',
      exitCode: 5,
    });
    expect((await client.request('task/get', { id: longer.id })).state).toBe('running');
    writeFileSync(up, '');
    const ended = (await client.request('task/wait', { id: longer.id, timeoutMs: 10_000 })).task;
    expect(ended).toMatchObject({ state: 'failed', exitCode: 7 });

    const survivor = await client.request('task/run', { command: 'sleep 30', cwd: harness.home });
    const result = await client.request('daemon/shutdown', {});
    expect(result.killedTasks).toBe(0);
    await pollUntil('daemon to exit', () => !isAlive(harness.child?.pid as number));
    expect(isAlive(survivor.pid)).toBe(true);
    expect(existsSync(harness.socketPath)).toBe(false);
  });

  it('stops every task on shutdown with killTasks', async () => {
    const task = await client.request('task/run', { command: 'sleep 30', cwd: harness.home });
    expect((await client.request('daemon/shutdown', { killTasks: true, graceMs: 1000 })).killedTasks).toBe(1);
    await pollUntil('daemon to exit', () => !isAlive(harness.child?.pid as number));
    expect(isAlive(task.pid)).toBe(false);
  });
});
