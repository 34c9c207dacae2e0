import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { PROTOCOL_VERSION, type Task } from '@tend/protocol';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionClosedError, DaemonStoppedError, TendClient, type DaemonInfo } from './index.js';
import { startFakeServer, type FakeServer } from './test-support/fake-server.js';
import { pollUntil } from '../../../test/support/poll.mjs';
import { makeTask } from '../../../test/support/task.mjs';
import { makeTempHome, type TempHome } from './test-support/temp-home.js';

function task(id: string, extra: Partial<Task> = {}): Task {
  return makeTask({ id, ...extra });
}

// The fake daemon's pid is this process's, so the client never waits for it to exit: it
// reconnects (without auto-start) to the fake, which keeps listening after dropping connections.
describe('TendClient after the daemon drops its connection', () => {
  let home: TempHome;
  let fake: FakeServer;
  let client: TendClient | undefined;
  let pending: Array<(value: unknown) => void>;
  // The task's log for task/output: readers at its end wait for more until `ended`.
  let log: string;
  let ended: boolean;

  const drop = () => {
    for (const { socket } of fake.connections) socket.destroy();
  };
  const count = (method: string) => fake.received.filter((r) => r.method === method).length;

  beforeEach(async () => {
    home = makeTempHome();
    pending = [];
    log = '';
    ended = false;
    fake = await startFakeServer(home.paths.socketPath, {
      'task/get': ({ id }: { id: string }) => task(id),
      // As a daemon older than the `restart` param answers it.
      'daemon/shutdown': (params: Record<string, unknown>) => {
        if ('restart' in params)
          throw new ResponseError(-32602, 'params: unknown field(s) "restart"', { reason: 'invalid_params' });
        return { pid: process.pid, killedTasks: 0 };
      },
      'task/wait': () => new Promise((resolve) => pending.push(resolve)),
      'task/run': () => new Promise((resolve) => pending.push(resolve)),
      'task/output': ({ offset }: { offset: number }) => {
        const answer = () => {
          const data = log.slice(offset, offset + 5);
          return {
            data,
            offset,
            nextOffset: offset + data.length,
            totalBytes: log.length,
            skippedBytes: 0,
            truncated: false,
            ended,
            omittedBytes: 0,
          };
        };
        if (offset < log.length || ended) return answer();
        return new Promise((resolve) => pending.push(() => resolve(answer())));
      },
    });
    client = await TendClient.connect({
      env: home.env,
      autoStart: false,
      clientName: 'test-client',
      session: 'sess-1',
    });
  });

  afterEach(async () => {
    await client?.close();
    await fake.close();
    await home.cleanup();
  });

  it('sends a wait again with the time left, after daemon/initialize with the same client and session, and tells onReconnect', async () => {
    const c = client!;
    const reconnects: DaemonInfo[] = [];
    c.onReconnect((daemon) => reconnects.push(daemon));
    const waiting = c.wait('t1', { timeoutMs: 60_000 });
    await pollUntil('the first task/wait', () => pending.length === 1, { timeoutMs: 2_000 });
    drop();
    await pollUntil('task/wait sent again', () => pending.length === 2, { timeoutMs: 5_000 });
    pending[1]!({ outcome: 'exited', task: task('t1', { state: 'failed', exitCode: 2 }) });

    expect(await waiting).toMatchObject({ outcome: 'exited', task: { exitCode: 2 } });
    const waits = fake.received.filter((r) => r.method === 'task/wait').map((r) => r.params);
    expect(waits[0]).toEqual({ id: 't1', timeoutMs: 60_000 });
    expect(waits[1].id).toBe('t1');
    expect(waits[1].timeoutMs).toBeLessThanOrEqual(60_000);
    expect(waits[1].timeoutMs).toBeGreaterThan(0);
    const hellos = fake.received.filter((r) => r.method === 'daemon/initialize').map((r) => r.params);
    expect(hellos).toHaveLength(2);
    expect(hellos[1]).toEqual(hellos[0]);
    expect(hellos[1]).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      client: { name: 'test-client' },
      session: 'sess-1',
    });
    expect(reconnects).toEqual([expect.objectContaining({ pid: process.pid })]);
    expect(c.isClosed).toBe(false);
  });

  it('does not send task/run again when the connection is lost before its answer, and reconnects for the next call', async () => {
    const c = client!;
    const running = c.run({ command: 'make' }).catch((e: unknown) => e);
    await pollUntil('task/run', () => count('task/run') === 1, { timeoutMs: 2_000 });
    drop();

    const error = await running;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toMatch(/task\/run was answered; it is not sent again/);
    expect(await c.get('t2')).toMatchObject({ id: 't2' });
    expect(count('task/run')).toBe(1);
    expect(count('daemon/initialize')).toBe(2);
  });

  it('resumes follow() at the last nextOffset it yielded: every byte once', async () => {
    const c = client!;
    log = 'one\ntwo\nthree\n';
    const chunks: Array<{ offset: number; nextOffset: number }> = [];
    let text = '';
    const following = (async () => {
      for await (const chunk of c.follow('t3', { pollMs: 30_000 })) {
        chunks.push(chunk);
        text += chunk.data;
      }
    })();
    await pollUntil('a long poll at the end of the log', () => pending.length === 1, { timeoutMs: 2_000 });
    drop();
    await pollUntil(
      'the long poll sent again',
      () => count('daemon/initialize') === 2 && pending.length === 2,
      { timeoutMs: 5_000 },
    );
    log += 'four\n';
    ended = true;
    pending[1]!(undefined);
    await following;

    expect(text).toBe('one\ntwo\nthree\nfour\n');
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.offset).toBe(chunks[i - 1]!.nextOffset);
    const offsets = fake.received.filter((r) => r.method === 'task/output').map((r) => r.params.offset);
    expect(offsets.filter((o) => o === 14)).toHaveLength(2);
  });

  it('asks a daemon that does not know the restart param for a plain shutdown, and does not reconnect after it', async () => {
    const c = client!;
    expect(await c.shutdown({ restart: true })).toEqual({ pid: process.pid, killedTasks: 0 });
    const shutdowns = fake.received.filter((r) => r.method === 'daemon/shutdown').map((r) => r.params);
    expect(shutdowns).toEqual([{ restart: true }, {}]);
    drop();
    await pollUntil('the client to end with its connection', () => c.isClosed, { timeoutMs: 2_000 });
    expect(await c.get('t5').catch((e: unknown) => e)).toBeInstanceOf(ConnectionClosedError);
    expect(count('daemon/initialize')).toBe(1);
  });

  it('ends with DaemonStoppedError and calls onClose when the daemon left stopped.json with its pid', async () => {
    const c = client!;
    const closes: Array<Error | undefined> = [];
    c.onClose((error) => closes.push(error));
    const waiting = c.wait('t4').catch((e: unknown) => e);
    await pollUntil('task/wait', () => pending.length === 1, { timeoutMs: 2_000 });
    writeFileSync(
      home.paths.stoppedPath,
      JSON.stringify({ pid: process.pid, stoppedAt: new Date().toISOString() }),
    );
    drop();

    const error = await waiting;
    expect(error).toBeInstanceOf(DaemonStoppedError);
    expect(error).toMatchObject({ reason: 'daemon_stopped' });
    expect((error as Error).message).toContain(
      `the tend daemon (pid ${process.pid}) was stopped (tend daemon stop, or SIGTERM)`,
    );
    expect(closes).toEqual([error]);
    expect(c.isClosed).toBe(true);
    expect(count('daemon/initialize')).toBe(1);
  });
});

describe('RpcChannel when the daemon answers and closes at once', () => {
  let home: TempHome;
  let server: Server;

  beforeEach(async () => {
    home = makeTempHome();
    mkdirSync(dirname(home.paths.socketPath), { recursive: true, mode: 0o700 });
    // A raw daemon: answers daemon/initialize, then answers task/get and closes the socket as soon as the answer is written.
    server = createServer((socket) => {
      let buffered = '';
      socket.on('error', () => undefined);
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        for (;;) {
          const match = /^Content-Length: (\d+)\r\n\r\n/.exec(buffered);
          if (!match || buffered.length < match[0].length + Number(match[1])) return;
          const body = buffered.slice(match[0].length, match[0].length + Number(match[1]));
          buffered = buffered.slice(match[0].length + Number(match[1]));
          const request = JSON.parse(body) as { id: number; method: string; params: { id?: string } };
          const frame = (result: unknown) => {
            const json = JSON.stringify({ jsonrpc: '2.0', id: request.id, result });
            return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
          };
          if (request.method === 'daemon/initialize') {
            socket.write(
              frame({
                version: '0.0.0-raw',
                protocolVersion: PROTOCOL_VERSION,
                pid: process.pid,
                startedAt: new Date().toISOString(),
                socket: home.paths.socketPath,
              }),
            );
          } else {
            socket.write(frame(task(request.params.id ?? '?')), () => socket.destroy());
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(home.paths.socketPath, resolve));
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await home.cleanup();
  });

  it('delivers a reply that arrived together with the end of the connection instead of failing the request', async () => {
    const c = await TendClient.connect({ env: home.env, autoStart: false, reconnect: false });
    try {
      expect(await c.get('last-words')).toMatchObject({ id: 'last-words' });
      await pollUntil('the client to see the connection end', () => c.isClosed, { timeoutMs: 2_000 });
    } finally {
      await c.close();
    }
  });
});
