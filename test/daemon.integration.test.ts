import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAEMON_BIN, DaemonHarness, type RawClient } from './daemon-harness.js';
import type { WireJson } from './support/wire-json.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

let harness: DaemonHarness;
let client: RawClient;

beforeEach(async () => {
  harness = new DaemonHarness();
  await harness.start();
  client = await harness.connect();
});
afterEach(async () => {
  await harness.cleanup();
});

async function runAndWait(command: string, extra: Record<string, unknown> = {}) {
  const task = await client.request('task/run', { command, cwd: harness.home, ...extra });
  const { outcome, task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
  expect(outcome).toBe('exited');
  return ended;
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: number; message: string; data: WireJson }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string; data: WireJson };
  }
  throw new Error('expected the request to fail');
}

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
    const stopping = await client.request('task/kill', { id: term.id });
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

describe('tasks are found by id, prefix or name', () => {
  it('resolves a unique prefix and a name, and refuses a second live task with the same name', async () => {
    const task = await client.request('task/run', { command: 'sleep 30', cwd: harness.home, name: 'web' });
    expect((await client.request('task/get', { id: task.id.slice(0, 6) })).id).toBe(task.id);
    expect((await client.request('task/get', { id: 'web' })).id).toBe(task.id);
    const duplicate = await errorOf(
      client.request('task/run', { command: 'true', cwd: harness.home, name: 'web' }),
    );
    expect(duplicate).toMatchObject({ code: 2005, data: { reason: 'name_in_use' } });
    await client.request('task/kill', { id: 'web', signal: 'SIGKILL' });
    await client.request('task/wait', { id: 'web' });
    const again = await client.request('task/run', { command: 'true', cwd: harness.home, name: 'web' });
    expect(again.id).not.toBe(task.id);
  });

  it('answers an ambiguous prefix with the candidates and an unknown id with task_not_found', async () => {
    const ids: string[] = [];
    let shared: string | undefined;
    while (!shared) {
      ids.push((await client.request('task/run', { command: 'true', cwd: harness.home })).id);
      shared = ids.map((id) => id[0]).find((c, i, all) => all.indexOf(c) !== i);
    }
    const ambiguous = await errorOf(client.request('task/get', { id: shared }));
    expect(ambiguous).toMatchObject({ code: 2002, data: { reason: 'ambiguous_id' } });
    expect(ambiguous.data.candidates.length).toBeGreaterThanOrEqual(2);
    const missing = await errorOf(client.request('task/get', { id: 'zz-nothing' }));
    expect(missing).toMatchObject({ code: 2001, data: { reason: 'task_not_found' } });
    expect(missing.message).toContain('zz-nothing');
  });
});

describe('bad input', () => {
  it('gets clear errors and leaves no row or file behind', async () => {
    const before = (await client.request('task/list', {})).tasks.length;
    const badCwd = await errorOf(
      client.request('task/run', { command: 'true', cwd: join(harness.home, 'missing') }),
    );
    expect(badCwd).toMatchObject({ code: 2006, data: { reason: 'invalid_cwd' } });
    expect(badCwd.message).toContain('missing');
    const empty = await errorOf(client.request('task/run', { command: '  ', cwd: harness.home }));
    expect(empty.code).toBe(-32602);
    expect(empty.message).toContain('command');
    const negative = await errorOf(
      client.request('task/run', { command: 'true', cwd: harness.home, timeoutMs: -5 }),
    );
    expect(negative.message).toMatch(/timeoutMs.*-5/);
    const envValue = await errorOf(
      client.request('task/run', { command: 'true', cwd: harness.home, env: { N: 1 } }),
    );
    expect(envValue.message).toMatch(/env\.N.*string/);
    const unknownMethod = await errorOf(client.request('task/frobnicate', {}));
    expect(unknownMethod.code).toBe(-32601);
    expect((await client.request('task/list', {})).tasks.length).toBe(before);
    expect(readdirSync(join(harness.home, 'state', 'tasks'))).toHaveLength(before);
  });

  it('refuses requests before daemon/initialize', async () => {
    const socket = connect(harness.socketPath);
    const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = await import(
      'vscode-jsonrpc/node.js'
    );
    const rpc = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    rpc.listen();
    const refused = await errorOf(rpc.sendRequest('task/list', {}));
    expect(refused).toMatchObject({ code: 1001, data: { reason: 'not_initialized' } });
    rpc.dispose();
    socket.destroy();
  });
});

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
    await harness.start();
    client = await harness.connect();
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
