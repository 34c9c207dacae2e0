import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, Methods } from '@tend/protocol/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../../../test/support/poll.mjs';
import {
  ConnectionClosedError,
  InvalidParamsError,
  LimitExceededError,
  TaskNotFoundError,
  TendError,
} from './errors.js';
import { frame, FrameReader } from './framing.js';
import { ResponseError } from './jsonrpc.js';
import { RpcChannel } from './rpc-channel.js';

/** The daemon's end of one connection: raw bytes out, the client's messages parsed in. */
interface Peer {
  socket: Socket;
  /** Every message the client sent, in order. */
  received: Array<{ id?: number; method?: string; params?: unknown; error?: unknown }>;
  /** The raw bytes the client sent. */
  raw: Buffer[];
  /** Resolves once the client ended or closed the connection. */
  ended: Promise<void>;
  /** Writes `messages` framed, all in one write (one chunk for the client, mostly). */
  send(...messages: unknown[]): void;
}

let dir: string;
let server: Server;
let peers: Peer[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tend-rpc-'));
  peers = [];
  server = createServer((socket) => {
    const reader = new FrameReader();
    const peer: Peer = {
      socket,
      received: [],
      raw: [],
      ended: new Promise((resolve) => socket.once('close', () => resolve())),
      send: (...messages) => socket.write(messages.map((message) => frame(message)).join('')),
    };
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      peer.raw.push(chunk);
      peer.received.push(...(reader.push(chunk) as Peer['received']));
    });
    peers.push(peer);
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 's'), resolve));
});

afterEach(async () => {
  for (const peer of peers) peer.socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** A channel over a fresh connection, and the server's end of it. */
async function open(): Promise<{ channel: RpcChannel; peer: Peer }> {
  const socket = connect(join(dir, 's'));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const channel = new RpcChannel(socket);
  await pollUntil('the server to accept', () => peers.length === 1, { timeoutMs: 2_000 });
  return { channel, peer: peers[0] as Peer };
}

/** The request the peer received for `method`, once it arrived. */
async function requestOf(peer: Peer, method: string): Promise<{ id: number; params?: unknown }> {
  await pollUntil(`the server to receive ${method}`, () => peer.received.some((m) => m.method === method), {
    timeoutMs: 2_000,
  });
  return peer.received.find((m) => m.method === method) as { id: number; params?: unknown };
}

describe('RpcChannel', () => {
  it('frames each request as one write with Content-Length in bytes, and resolves with its result', async () => {
    const { channel, peer } = await open();
    const answer = channel.request(Methods.TaskGet, { id: 'é日😀' });
    const request = await requestOf(peer, 'task/get');
    expect(request).toMatchObject({ jsonrpc: '2.0', params: { id: 'é日😀' } });
    const json = JSON.stringify({
      jsonrpc: '2.0',
      id: request.id,
      method: 'task/get',
      params: { id: 'é日😀' },
    });
    expect(Buffer.concat(peer.raw).toString('utf8')).toBe(
      `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
    );
    peer.send({ jsonrpc: '2.0', id: request.id, result: { task: { id: 'x' } } });
    expect(await answer).toEqual({ task: { id: 'x' } });
    await channel.close();
  });

  it('matches replies to requests by id, whatever their order', async () => {
    const { channel, peer } = await open();
    const first = channel.request(Methods.TaskGet, { id: 'one' });
    const second = channel.request(Methods.TaskGet, { id: 'two' });
    await pollUntil('both requests', () => peer.received.length === 2, { timeoutMs: 2_000 });
    const [a, b] = peer.received as Array<{ id: number; params: { id: string } }>;
    peer.send(
      { jsonrpc: '2.0', id: b?.id, result: b?.params.id },
      { jsonrpc: '2.0', id: 999, result: 'nobody asked' },
      { jsonrpc: '2.0', id: a?.id, result: a?.params.id },
    );
    expect(await Promise.all([first, second])).toEqual(['one', 'two']);
    await channel.close();
  });

  it('rejects an error reply with the TendError class of its reason, keeping code, message, data and cause', async () => {
    const { channel, peer } = await open();
    const answer = channel.request(Methods.TaskGet, { id: 'nope' }).catch((e: unknown) => e);
    const request = await requestOf(peer, 'task/get');
    const data = { reason: 'task_not_found', id: 'nope' };
    peer.send({
      jsonrpc: '2.0',
      id: request.id,
      error: { code: ErrorCode.TaskNotFound, message: 'no task "nope"', data },
    });
    const error = await answer;
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({
      code: ErrorCode.TaskNotFound,
      reason: 'task_not_found',
      message: 'no task "nope"',
      data,
    });
    expect((error as Error).cause).toBeInstanceOf(ResponseError);
    expect((error as Error).cause).toMatchObject({
      code: ErrorCode.TaskNotFound,
      message: 'no task "nope"',
      data,
    });

    // Without data: the class of the code; an unknown code and reason: a plain TendError.
    const bare = channel.request(Methods.TaskGet, { id: 'bare' }).catch((e: unknown) => e);
    const odd = channel.request(Methods.TaskList, {}).catch((e: unknown) => e);
    await pollUntil('both requests', () => peer.received.length === 3, { timeoutMs: 2_000 });
    const [, second, third] = peer.received;
    peer.send(
      { jsonrpc: '2.0', id: second?.id, error: { code: -32602, message: 'bad id' } },
      { jsonrpc: '2.0', id: third?.id, error: { code: 2999, message: 'new', data: { reason: 'brand_new' } } },
    );
    expect(await bare).toBeInstanceOf(InvalidParamsError);
    expect(await odd).toMatchObject({ name: 'TendError', code: 2999, reason: 'brand_new', message: 'new' });
    expect(await odd).toBeInstanceOf(TendError);
    await channel.close();
  });

  it('still handles a reply and a notification sent just before the daemon closed, then rejects the rest and calls onClose once', async () => {
    const { channel, peer } = await open();
    const order: string[] = [];
    channel.onNotification(Methods.TaskDidChange, () => order.push('notification'));
    channel.onClose(() => order.push('close'));
    const answered = channel.request(Methods.TaskGet, { id: 'a' }).then(
      () => order.push('reply'),
      () => order.push('reply rejected'),
    );
    const unanswered = channel.request(Methods.TaskWait, { id: 'b' }).catch((e: unknown) => e);
    await pollUntil('both requests', () => peer.received.length === 2, { timeoutMs: 2_000 });
    const id = peer.received[0]?.id;
    // Reply, notification and end of stream in one go: the client reads them all in one turn.
    peer.socket.end(
      frame({ jsonrpc: '2.0', id, result: {} }) +
        frame({ jsonrpc: '2.0', method: 'task/didChange', params: {} }),
    );
    const error = await unanswered;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toBe(
      'connection to the tend daemon closed before task/wait was answered',
    );
    await answered;
    expect(order).toEqual(['reply', 'notification', 'close']);
    expect(channel.isClosed).toBe(true);
    const later = await channel.request(Methods.TaskGet, { id: 'c' }).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(ConnectionClosedError);
    expect((later as Error).message).toMatch(
      /cannot send task\/get: the connection to the tend daemon is closed/,
    );
    expect(order).toEqual(['reply', 'notification', 'close']);
  });

  it("rejects what is pending with the daemon's refusal (an id-null limit_exceeded reply, then the end), not a bare close", async () => {
    const { channel, peer } = await open();
    const hello = channel.request(Methods.DaemonInitialize, {} as never).catch((e: unknown) => e);
    await requestOf(peer, 'daemon/initialize');
    const message = 'the daemon already serves 3 connections (the limit); close some and retry';
    peer.socket.end(
      frame({
        jsonrpc: '2.0',
        id: null,
        error: { code: ErrorCode.LimitExceeded, message, data: { reason: 'limit_exceeded', limit: 3 } },
      }),
    );
    const error = await hello;
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as LimitExceededError).message).toBe(message);
    expect((error as LimitExceededError).data).toStrictEqual({ reason: 'limit_exceeded', limit: 3 });
  });

  it('keeps ConnectionClosedError for a close after any other id-null error (one unreadable request, answered)', async () => {
    const { channel, peer } = await open();
    const pending = channel.request(Methods.TaskWait, { id: 'b' }).catch((e: unknown) => e);
    await requestOf(peer, 'task/wait');
    peer.socket.end(frame({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
    const error = await pending;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toBe(
      'connection to the tend daemon closed before task/wait was answered',
    );
  });

  it('runs the code awaiting a reply before the notification that followed it in the same chunk', async () => {
    const { channel, peer } = await open();
    const heard: unknown[] = [];
    const answer = channel.request(Methods.TaskRun, { command: 'true', cwd: '/' }).then((result) => {
      // Added only once the reply is in: it must still hear the notification sent right behind it.
      channel.onNotification(Methods.TaskDidExit, (params) => heard.push(params));
      return result;
    });
    const request = await requestOf(peer, 'task/run');
    peer.send(
      { jsonrpc: '2.0', id: request.id, result: 'run' },
      { jsonrpc: '2.0', method: 'task/didExit', params: { n: 1 } },
    );
    expect(await answer).toBe('run');
    await pollUntil('the notification', () => heard.length === 1, { timeoutMs: 2_000 });
    expect(heard).toEqual([{ n: 1 }]);
    await channel.close();
  });

  it('answers a request from the daemon with a -32601 error and goes on', async () => {
    const { channel, peer } = await open();
    peer.send({ jsonrpc: '2.0', id: 'd1', method: 'client/ping', params: {} });
    await pollUntil('the answer', () => peer.received.length === 1, { timeoutMs: 2_000 });
    expect(peer.received[0]).toEqual({
      jsonrpc: '2.0',
      id: 'd1',
      error: { code: -32601, message: 'Unhandled method client/ping' },
    });
    const answer = channel.request(Methods.DaemonStatus, {});
    const request = await requestOf(peer, 'daemon/status');
    peer.send(
      { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } },
      { jsonrpc: '2.0', id: request.id, result: 'ok' },
    );
    expect(await answer).toBe('ok');
    await channel.close();
  });

  it('keeps dispatching after a notification listener throws', async () => {
    const { channel, peer } = await open();
    const heard: number[] = [];
    channel.onNotification(Methods.TaskDidChange, (params) => {
      heard.push((params as unknown as { n: number }).n);
      throw new Error('listener bug');
    });
    peer.send(
      { jsonrpc: '2.0', method: 'task/didChange', params: { n: 1 } },
      { jsonrpc: '2.0', method: 'task/didChange', params: { n: 2 } },
    );
    await pollUntil('both notifications', () => heard.length === 2, { timeoutMs: 2_000 });
    expect(heard).toEqual([1, 2]);
    await channel.close();
  });

  it('closes the connection on a bad header, after handling what came before it, and says why', async () => {
    const { channel, peer } = await open();
    const heard: unknown[] = [];
    let closes = 0;
    channel.onNotification(Methods.TaskDidChange, (params) => heard.push(params));
    channel.onClose(() => closes++);
    const answer = channel.request(Methods.TaskWait, { id: 'w' }).catch((e: unknown) => e);
    await requestOf(peer, 'task/wait');
    peer.socket.write(
      `${frame({ jsonrpc: '2.0', method: 'task/didChange', params: { n: 1 } })}Welcome to the server\r\n\r\n`,
    );
    const error = await answer;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toBe(
      'connection to the tend daemon closed before task/wait was answered: it sent a malformed header line ' +
        '"Welcome to the server", so tend closed it',
    );
    expect(heard).toEqual([{ n: 1 }]);
    await peer.ended;
    expect(closes).toBe(1);
    expect(channel.isClosed).toBe(true);
  });

  it('on close(): rejects pending requests, flushes, ends the socket and calls no close listener', async () => {
    const { channel, peer } = await open();
    let closes = 0;
    channel.onClose(() => closes++);
    const pending = channel.request(Methods.TaskWait, { id: 'w' }).catch((e: unknown) => e);
    await requestOf(peer, 'task/wait');
    await channel.close();
    const error = await pending;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toBe(
      'connection to the tend daemon closed before task/wait was answered',
    );
    await peer.ended;
    await channel.close();
    expect(closes).toBe(0);
    expect(await channel.request(Methods.DaemonStatus, {}).catch((e: unknown) => e)).toBeInstanceOf(
      ConnectionClosedError,
    );
  });

  it('rejects a request whose params cannot be serialized, sending nothing', async () => {
    const { channel, peer } = await open();
    const error = await channel
      .request(Methods.TaskGet, { id: 1n } as unknown as { id: string })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    const answer = channel.request(Methods.DaemonStatus, {});
    const request = await requestOf(peer, 'daemon/status');
    expect(peer.received).toHaveLength(1);
    peer.send({ jsonrpc: '2.0', id: request.id, result: 'ok' });
    expect(await answer).toBe('ok');
    await channel.close();
  });
});
