import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LimitExceededError, TendClient } from '../packages/client/dist/index.js';
import { DAEMON_BIN, DaemonHarness } from './daemon-harness.js';
import { frame, rssBytes, WireClient } from './wire-client.js';
import type { WireJson } from './support/wire-json.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

let harness: DaemonHarness;

beforeEach(() => {
  harness = new DaemonHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

/** Starts the daemon with its soft and hard RLIMIT_NOFILE set to `nofile`; resolves with its pid. */
async function startWithFdLimit(nofile: number): Promise<number> {
  const child = spawn(
    '/bin/sh',
    ['-c', `ulimit -n ${nofile} && exec "$0" "$1"`, process.execPath, DAEMON_BIN],
    {
      env: harness.env,
      stdio: 'ignore',
      detached: true,
    },
  );
  harness.own(child.pid as number);
  harness.child = child;
  await pollUntil(
    'daemon to serve',
    () => existsSync(join(harness.home, 'run', 'daemon.json')) || child.exitCode !== null,
  );
  expect(child.exitCode).toBe(null);
  return child.pid as number;
}

/** Runs `command` through `client` in the harness home and records its group for cleanup. */
async function run(
  client: WireClient,
  command: string,
  extra: Record<string, unknown> = {},
): Promise<WireJson> {
  const reply = await client.request('task/run', { command, cwd: harness.home, ...extra });
  harness.ownTask(reply.result);
  return reply;
}

describe('a bad message followed by a disconnect (defect 1)', () => {
  it('never ends the daemon, nor the waits of other clients, in 200 one-shot tries', async () => {
    const pid = await harness.start();
    const other = await WireClient.initialized(harness.socketPath);
    const sleeper = await run(other, 'sleep 30');
    const wait = other.request('task/wait', { id: sleeper.result.id, timeoutMs: 60_000 });
    const bodies = [
      JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'daemon/status' }]),
      '{not json',
      '[]',
      '"text"',
    ];
    for (let i = 0; i < 200; i++) {
      const socket = connect(harness.socketPath);
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve).once('error', resolve));
      socket.end(frame(bodies[i % bodies.length] as string));
      socket.destroy();
    }
    const status = await other.request('daemon/status');
    expect(status.result.pid).toBe(pid);
    expect(isAlive(pid)).toBe(true);
    await other.request('task/kill', { id: sleeper.result.id, signal: 'SIGKILL' });
    expect((await wait).result.outcome).toBe('exited');
  });
});

describe('memory per client (defect 6)', () => {
  it('keeps a client that never reads 2,000 pipelined 1 MiB replies from growing the daemon by more than 100 MiB', async () => {
    const pid = await harness.start();
    const client = await WireClient.initialized(harness.socketPath);
    const writer = await run(client, "head -c 1100000 /dev/zero | tr '\\0' a");
    await client.request('task/wait', { id: writer.result.id, timeoutMs: 15_000 });
    const before = rssBytes(pid);
    const reader = await WireClient.initialized(harness.socketPath);
    reader.socket.pause();
    let peak = before;
    for (let i = 0; i < 2000; i++) {
      void reader.send(
        frame({
          jsonrpc: '2.0',
          id: 100 + i,
          method: 'task/output',
          params: { id: writer.result.id, offset: 0, limit: 1024 * 1024 },
        }),
      );
      if (i % 200 === 0) peak = Math.max(peak, rssBytes(pid));
    }
    // While the reader sits on its replies, the daemon keeps serving others.
    for (let i = 0; i < 20; i++) {
      expect((await client.request('daemon/status')).result.pid).toBe(pid);
      peak = Math.max(peak, rssBytes(pid));
    }
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
    reader.destroy();
    await pollUntil(
      'the reader to be gone from the daemon',
      async () => (await client.request('daemon/status')).result.clients === 1,
    );
  });

  it('refuses a command longer than one execve argument may be, and a frame over the body cap', async () => {
    await harness.start();
    const client = await WireClient.initialized(harness.socketPath);
    const long = await client.request('task/run', {
      command: `true ${'#'.repeat(131_072)}`,
      cwd: harness.home,
    });
    expect(long.error.code).toBe(-32602);
    expect(long.error.message).toContain('command: must be at most 131071 bytes');
    const env = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`V${i}`, 'x'.repeat(120_000)]));
    const wide = await client.request('task/run', { command: 'true', cwd: harness.home, env });
    expect(wide.error.code).toBe(-32602);
    expect(wide.error.message).toContain('command and env together take');
    const huge = await WireClient.initialized(harness.socketPath);
    await huge.send(
      frame({
        jsonrpc: '2.0',
        id: 9,
        method: 'task/run',
        params: { command: `true ${'#'.repeat(15_000_000)}`, cwd: harness.home },
      }),
    );
    await pollUntil('the daemon to close a 15 MB frame', () => huge.closed);
    expect(huge.replies.filter((reply) => reply.id === 9)).toEqual([]);
    expect((await client.request('task/list')).result.tasks).toEqual([]);
  });

  it('refuses a task past maxLiveTasks with limit_exceeded, still reuses a live one, and starts again once one ended', async () => {
    mkdirSync(join(harness.home, 'config'), { recursive: true });
    writeFileSync(join(harness.home, 'config', 'config.json'), JSON.stringify({ maxLiveTasks: 2 }));
    await harness.start();
    const client = await WireClient.initialized(harness.socketPath);
    const first = await run(client, 'sleep 30', { name: 'web' });
    await run(client, 'sleep 30');
    const third = await run(client, 'sleep 30');
    expect(third.error.code).toBe(2007);
    expect(third.error.data).toMatchObject({ reason: 'limit_exceeded', limit: 2, live: 2 });
    const reused = await run(client, 'sleep 30', { name: 'web', reuse: true });
    expect(reused.result).toMatchObject({ id: first.result.id, reused: true });
    await client.request('task/kill', { id: first.result.id, signal: 'SIGKILL' });
    await client.request('task/wait', { id: first.result.id, timeoutMs: 15_000 });
    expect((await run(client, 'sleep 30')).result.state).toBe('running');
  });
});

describe('connections (defect 8)', () => {
  it('keeps task/run working while 400 clients that never initialize fill the socket, and refuses the extra ones', async () => {
    await startWithFdLimit(256);
    const client = await WireClient.initialized(harness.socketPath);
    const idle: WireClient[] = [];
    for (let i = 0; i < 400; i++) {
      try {
        idle.push(await WireClient.open(harness.socketPath));
      } catch {
        // the listen backlog is full: refused by the kernel, as it should be
      }
    }
    const started = await run(client, 'echo started');
    expect(started.result?.state, JSON.stringify(started)).toBe('running');
    await pollUntil('the extra connections to be refused', () => idle.filter((c) => c.closed).length > 0);
    const refused = idle
      .flatMap((c) => c.replies)
      .filter((reply) => reply.error?.data?.reason === 'limit_exceeded');
    expect(refused.length).toBeGreaterThan(0);
    for (const c of idle) c.destroy();
  });
});

describe('connections over the limit, seen by the client', () => {
  it('tells a TendClient why it is refused (LimitExceededError naming the limit) at once, and lets it in when a slot frees', async () => {
    await startWithFdLimit(256);
    // At a soft RLIMIT_NOFILE of 256 the daemon serves 128 connections (docs/protocol.md, "Limits").
    const held: WireClient[] = [];
    for (let i = 0; i < 128; i++) held.push(await WireClient.initialized(harness.socketPath));
    const options = { env: harness.env, autoStart: false, reconnect: false, timeoutMs: 20_000 } as const;

    const refused = await TendClient.connect(options).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LimitExceededError);
    expect((refused as LimitExceededError).message).toBe(
      'the daemon already serves 128 connections (the limit); close some and retry',
    );
    expect((refused as LimitExceededError).data).toMatchObject({ reason: 'limit_exceeded', limit: 128 });

    held.pop()?.destroy();
    const client = await pollUntil('a freed slot to be taken', () =>
      TendClient.connect(options).catch(() => undefined),
    );
    expect(client.daemon.pid).toBeGreaterThan(0);
    await client.close();
    for (const c of held) c.destroy();
  });
});

describe('validation gaps (defect 10)', () => {
  it('answers bad env names, NUL bytes and deep nesting with -32602 naming the field', async () => {
    await harness.start();
    const client = await WireClient.initialized(harness.socketPath);
    const cases: [Record<string, unknown>, string][] = [
      [
        { command: 'echo "$PATH"', env: { 'PATH=/x:': 'y' } },
        'env.PATH=/x:: env variable names must not contain "="',
      ],
      [{ command: 'true', env: { '': 'y' } }, 'env.: env variable names must not be empty'],
      [{ command: 'echo a\u0000b' }, 'command: must not contain a NUL byte'],
      [{ command: 'true', env: { A: 'a\u0000b' } }, 'env.A: env values must not contain a NUL byte'],
    ];
    for (const [params, message] of cases) {
      const reply = await client.request('task/run', { cwd: harness.home, ...params });
      expect(reply.error?.code, JSON.stringify(params)).toBe(-32602);
      expect(reply.error.message).toContain(message);
    }
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    await client.send(frame(`{"jsonrpc":"2.0","id":"deep","method":"task/list","params":${deep}}`));
    const reply = await pollUntil('the deep request to be answered', () =>
      client.replies.find((r) => r.id === 'deep'),
    );
    expect(reply.error.code).toBe(-32602);
    expect(reply.error.message).toContain('nested deeper than 32 levels');
    expect((await client.request('task/list')).result.tasks).toEqual([]);
  });

  it('closes a connection that sends two Content-Length headers instead of letting the last one win', async () => {
    await harness.start();
    const client = await WireClient.initialized(harness.socketPath);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'two', method: 'daemon/status' });
    await client.send(`Content-Length: 5\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await pollUntil('the daemon to close the connection', () => client.closed);
    expect(client.replies.find((r) => r.id === 'two')).toBeUndefined();
  });

  it('keeps tend.db and its WAL private (0600), also when an older daemon left them 0644', async () => {
    await harness.start();
    const client = await WireClient.initialized(harness.socketPath);
    await run(client, 'true');
    const files = ['tend.db', 'tend.db-wal', 'tend.db-shm'].map((name) => join(harness.home, 'state', name));
    for (const file of files) expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
    client.destroy();
    await harness.kill9();
    for (const file of files) chmodSync(file, 0o644);
    await harness.start();
    for (const file of files.filter(existsSync))
      expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
  });
});
