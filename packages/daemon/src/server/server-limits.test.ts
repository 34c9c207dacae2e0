import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskSupervisor } from '../tasks/supervisor.js';
import { fakeDaemonControl } from '../test-support/daemon-control.js';
import { defaultServerLimits, openFileLimit } from './connection-limits.js';
import { RpcServer } from './server.js';
import { pollUntil } from '../../../../test/support/poll.mjs';
import type { WireJson } from '../../../../test/support/wire-json.js';

/** Polls `check` every 5 ms until it is true; fails after `ms` saying what was awaited. */
/** A raw client recording the replies it gets and whether the server closed. */
class Peer {
  replies: WireJson[] = [];
  closed = false;
  private pending = '';
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.pending += text;
      for (let end = this.pending.indexOf('\r\n\r\n'); end !== -1; end = this.pending.indexOf('\r\n\r\n')) {
        const length = Number(/Content-Length: (\d+)/.exec(this.pending.slice(0, end))?.[1]);
        if (this.pending.length < end + 4 + length) return;
        this.replies.push(JSON.parse(this.pending.slice(end + 4, end + 4 + length)));
        this.pending = this.pending.slice(end + 4 + length);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }
  send(message: object): void {
    const body = JSON.stringify(message);
    this.socket.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
}

describe('RpcServer limits on clients', () => {
  let dir: string;
  let socketPath: string;
  let server: RpcServer;
  const peers: Peer[] = [];

  async function start(limits: ConstructorParameters<typeof RpcServer>[3]): Promise<void> {
    server = new RpcServer(
      new EventEmitter() as unknown as TaskSupervisor,
      fakeDaemonControl(dir, socketPath),
      pino({ level: 'silent' }),
      limits,
    );
    await server.listen(socketPath);
  }

  async function open(): Promise<Peer> {
    const socket = createConnection(socketPath);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const peer = new Peer(socket);
    peers.push(peer);
    return peer;
  }

  const initialize = (id: number) => ({
    jsonrpc: '2.0',
    id,
    method: 'daemon/initialize',
    params: { protocolVersion: 2, client: { name: 't' } },
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-limits-'));
    socketPath = join(dir, 's.sock');
  });
  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.socket.destroy();
    await server.close(socketPath);
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes a connection that does not initialize in time, and keeps one that did', async () => {
    await start({ initTimeoutMs: 300 });
    const silent = await open();
    const polite = await open();
    polite.send(initialize(1));
    await pollUntil('the initialize reply', () => polite.replies.length === 1);
    await pollUntil('the silent connection to be closed', () => silent.closed);
    // A silent connection opened after the polite one is closed only once its own timer fired,
    // so the polite connection's timer (armed earlier) has fired by then too.
    const later = await open();
    await pollUntil('a later silent connection to be closed', () => later.closed);
    expect(polite.closed).toBe(false);
    expect(server.connections.size).toBe(1);
  });

  it('answers one connection over maxConnections with limit_exceeded and closes it; a freed slot is taken again', async () => {
    await start({ maxConnections: 3 });
    const first = await open();
    await open();
    await open();
    const extra = await open();
    await pollUntil('the extra connection to be closed', () => extra.closed);
    expect(extra.replies).toEqual([
      expect.objectContaining({
        id: null,
        error: expect.objectContaining({ code: 2007, data: { reason: 'limit_exceeded', limit: 3 } }),
      }),
    ]);
    first.socket.destroy();
    await pollUntil('the first connection to be released', () => server.connections.size === 2);
    const next = await open();
    next.send(initialize(2));
    await pollUntil('the reply on the freed slot', () => next.replies.length === 1);
    expect(next.replies[0].result.pid).toBe(process.pid);
  });

  it('sizes the connection limit to half the descriptor limit, at most 1024', () => {
    expect(defaultServerLimits(256).maxConnections).toBe(128);
    expect(defaultServerLimits(20_000).maxConnections).toBe(1024);
    expect(defaultServerLimits(10).maxConnections).toBe(16);
    expect(
      openFileLimit(
        'Limit  Soft  Hard  Units\nMax open files            1024                 524288               files\n',
      ),
    ).toBe(1024);
    expect(
      openFileLimit('Max open files            unlimited            unlimited            files\n'),
    ).toBeUndefined();
  });
});
