import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientMessageWriter } from './client-writer.js';
import { pollUntil } from '../../../../test/support/poll.mjs';

/** Polls `check` every 5 ms until it is true; fails after `ms` saying what was awaited. */
describe('ClientMessageWriter on a Unix socket', () => {
  let dir: string;
  let server: Server;
  let serverSide: Socket;
  let clientSide: Socket;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tend-writer-'));
    const path = join(dir, 's.sock');
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer((socket) => resolve(socket));
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    clientSide = createConnection(path);
    clientSide.on('error', () => undefined);
    serverSide = await accepted;
    serverSide.on('error', () => undefined);
  });

  afterEach(async () => {
    clientSide.destroy();
    serverSide.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves every write to a peer that has gone (EPIPE), in 1,000 tries, instead of rejecting', async () => {
    const errors: Error[] = [];
    const writer = new ClientMessageWriter(serverSide, { onOverflow: () => undefined });
    writer.onError(([error]) => void errors.push(error));
    clientSide.destroy();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++)
      writes.push(writer.write({ jsonrpc: '2.0', id: i, result: 'x'.repeat(1000) } as never));
    await expect(Promise.all(writes)).resolves.toHaveLength(1000);
    await pollUntil('the server side to see the close', () => serverSide.destroyed);
    await expect(
      writer.write({ jsonrpc: '2.0', id: 'late', result: null } as never),
    ).resolves.toBeUndefined();
  });

  it('drops a peer that does not read once more than maxQueuedBytes are queued, and says so once', async () => {
    clientSide.pause();
    const overflows: number[] = [];
    const writer = new ClientMessageWriter(serverSide, {
      maxQueuedBytes: 256 * 1024,
      onOverflow: (queued) => overflows.push(queued),
    });
    const payload = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 200 && !serverSide.destroyed; i++)
      await writer.write({ jsonrpc: '2.0', id: i, result: payload } as never);
    expect(serverSide.destroyed).toBe(true);
    expect(overflows).toHaveLength(1);
    expect(overflows[0]).toBeGreaterThan(256 * 1024);
  });

  it('frames each message with its byte length, in order', async () => {
    const received: Buffer[] = [];
    clientSide.on('data', (data: Buffer) => received.push(data));
    const writer = new ClientMessageWriter(serverSide, { onOverflow: () => undefined });
    await writer.write({ jsonrpc: '2.0', id: 1, result: 'é' } as never);
    await writer.write({ jsonrpc: '2.0', method: 'n', params: {} } as never);
    const first = '{"jsonrpc":"2.0","id":1,"result":"é"}';
    const second = '{"jsonrpc":"2.0","method":"n","params":{}}';
    const expected = `Content-Length: ${Buffer.byteLength(first)}\r\n\r\n${first}Content-Length: ${second.length}\r\n\r\n${second}`;
    await pollUntil('both messages', () => Buffer.concat(received).length >= Buffer.byteLength(expected));
    expect(Buffer.concat(received).toString('utf8')).toBe(expected);
  });
});
