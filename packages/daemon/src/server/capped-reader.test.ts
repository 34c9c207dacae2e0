import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CappedMessageReader,
  MAX_BODY_BYTES,
  MAX_HEADER_BYTES,
  type BadMessage,
  type CappedReaderOptions,
} from './capped-reader.js';
import { pollUntil } from '../../../../test/support/poll.mjs';

/** Polls `check` every 5 ms until it is true; fails after `ms` saying what was awaited. */
/** `body` framed with a Content-Length header. */
function frame(body: string | object): Buffer {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`, 'ascii'), bytes]);
}

const request = (id: number | string, params: unknown = { n: id }) => ({
  jsonrpc: '2.0',
  id,
  method: 'echo',
  params,
});

/** The raw client side: writes bytes, parses framed replies, notices the close. */
class RawClient {
  readonly replies: Record<string, unknown>[] = [];
  closed = false;
  private pending = Buffer.alloc(0);

  constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.pending = Buffer.concat([this.pending, data]);
      for (;;) {
        const end = this.pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(
          /Content-Length: (\d+)/i.exec(this.pending.subarray(0, end).toString('ascii'))?.[1],
        );
        if (this.pending.length < end + 4 + length) return;
        this.replies.push(JSON.parse(this.pending.subarray(end + 4, end + 4 + length).toString('utf8')));
        this.pending = this.pending.subarray(end + 4 + length);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  /** Resolves once the bytes are handed to the kernel, or the server has already closed (that is asserted elsewhere). */
  write(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }
}

describe('CappedMessageReader on a Unix socket', () => {
  let dir: string;
  let server: Server;
  let socketPath: string;
  const violations: string[] = [];
  const badMessages: BadMessage[] = [];
  /** Sizes of the chunks the server socket received, to check how the bytes arrived. */
  const chunkSizes: number[] = [];
  const connections: MessageConnection[] = [];
  const clients: Socket[] = [];

  /** Starts the server; each connection gets a capped reader with `options` and an `echo` method. */
  async function listen(
    options: Partial<Pick<CappedReaderOptions, 'maxHeaderBytes' | 'maxBodyBytes'>> = {},
  ): Promise<void> {
    server = createServer((socket) => {
      socket.on('data', (data: Buffer) => chunkSizes.push(data.length));
      const writer = new StreamMessageWriter(socket);
      const reader = new CappedMessageReader(socket, {
        ...options,
        onViolation: (reason) => {
          violations.push(reason);
          socket.destroy();
        },
        onBadMessage: (bad) => {
          badMessages.push(bad);
          void writer.write({
            jsonrpc: '2.0',
            id: bad.id,
            error: { code: bad.code, message: bad.message },
          } as never);
        },
      });
      const connection = createMessageConnection(reader, writer);
      connection.onRequest('echo', (params: unknown) => params);
      connection.listen();
      connections.push(connection);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  }

  async function connect(): Promise<RawClient> {
    const socket = createConnection(socketPath);
    clients.push(socket);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-reader-'));
    socketPath = join(dir, 's.sock');
    violations.length = 0;
    badMessages.length = 0;
    chunkSizes.length = 0;
  });

  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.destroy();
    for (const connection of connections.splice(0)) connection.dispose();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a well-formed request', async () => {
    await listen();
    const client = await connect();
    await client.write(frame(request(1, { text: 'héllo 日本 😀' })));
    await pollUntil('the reply', () => client.replies.length === 1);
    expect(client.replies[0]).toStrictEqual({ jsonrpc: '2.0', id: 1, result: { text: 'héllo 日本 😀' } });
    expect(violations).toEqual([]);
    expect(badMessages).toEqual([]);
  });

  it('accepts a lower-case header name, extra headers and no space after the colon', async () => {
    await listen();
    const client = await connect();
    const body = Buffer.from(JSON.stringify(request(2)));
    await client.write(
      Buffer.concat([
        Buffer.from(
          `content-type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length:${body.length}\r\n\r\n`,
        ),
        body,
      ]),
    );
    await pollUntil('the reply', () => client.replies.length === 1);
    expect(client.replies[0]).toStrictEqual({ jsonrpc: '2.0', id: 2, result: { n: 2 } });
  });

  it('reads two messages that arrive in one chunk', async () => {
    await listen();
    const client = await connect();
    await client.write(Buffer.concat([frame(request(1)), frame(request(2))]));
    await pollUntil('both replies', () => client.replies.length === 2);
    expect(client.replies.map((r) => r.result)).toStrictEqual([{ n: 1 }, { n: 2 }]);
  });

  it('reads a message that arrives one byte at a time', async () => {
    await listen();
    const client = await connect();
    const bytes = frame(request(3, { text: 'é日😀' }));
    for (const byte of bytes) {
      await client.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await pollUntil('the reply', () => client.replies.length === 1);
    expect(client.replies[0]).toStrictEqual({ jsonrpc: '2.0', id: 3, result: { text: 'é日😀' } });
    // The bytes really came in many pieces (header and body split).
    expect(chunkSizes.length).toBeGreaterThan(bytes.length / 4);
  });

  it('closes the connection when the header section is over the default cap', async () => {
    await listen();
    const client = await connect();
    await client.write(`X-Padding: ${'a'.repeat(MAX_HEADER_BYTES + 10)}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual([`header section over ${MAX_HEADER_BYTES} bytes`]);
  });

  it('accepts a header section of exactly the cap and refuses one byte more', async () => {
    await listen({ maxHeaderBytes: 64 });
    const client = await connect();
    const body = JSON.stringify(request(4));
    const base = `Content-Length: ${Buffer.byteLength(body)}\r\nX-Pad: `;
    const exact = `${base}${'p'.repeat(64 - base.length)}`;
    expect(exact.length).toBe(64);
    await client.write(`${exact}\r\n\r\n${body}`);
    await pollUntil('the reply to a header section of exactly the cap', () => client.replies.length === 1);
    expect(violations).toEqual([]);

    await client.write(`${exact}p\r\n\r\n${body}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual(['header section over 64 bytes']);
    expect(client.replies).toHaveLength(1);
  });

  it('closes the connection when Content-Length is over the default body cap', async () => {
    await listen();
    const client = await connect();
    await client.write(`Content-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n{}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual([
      `Content-Length ${MAX_BODY_BYTES + 1} is over the ${MAX_BODY_BYTES}-byte limit`,
    ]);
  });

  it('accepts a body of exactly the body cap and refuses one byte more', async () => {
    const body = JSON.stringify(request(5));
    await listen({ maxBodyBytes: Buffer.byteLength(body) });
    const client = await connect();
    await client.write(frame(body));
    await pollUntil('the reply to a body of exactly the cap', () => client.replies.length === 1);
    await client.write(frame(`${body} `));
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual([
      `Content-Length ${Buffer.byteLength(body) + 1} is over the ${Buffer.byteLength(body)}-byte limit`,
    ]);
  });

  it.each([
    ['12abc', 'Content-Length "12abc" is not a decimal number'],
    ['-1', 'Content-Length "-1" is not a decimal number'],
    ['0x10', 'Content-Length "0x10" is not a decimal number'],
    ['1e3', 'Content-Length "1e3" is not a decimal number'],
    ['12.0', 'Content-Length "12.0" is not a decimal number'],
    ['', 'Content-Length "" is not a decimal number'],
    ['12345678901', 'Content-Length "12345678901" is not a decimal number'],
  ])('closes the connection for Content-Length %j', async (value, reason) => {
    await listen();
    const client = await connect();
    await client.write(`Content-Length: ${value}\r\n\r\n${JSON.stringify(request(6))}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual([reason]);
    expect(client.replies).toEqual([]);
  });

  it.each([
    ['a different', 5],
    ['the same', 0],
  ])(
    'closes the connection when a second Content-Length header (%s value) follows the first',
    async (_what, delta) => {
      await listen();
      const client = await connect();
      const body = JSON.stringify(request(21));
      const length = Buffer.byteLength(body);
      await client.write(`Content-Length: ${length - delta}\r\nContent-Length: ${length}\r\n\r\n${body}`);
      await pollUntil('the close', () => client.closed);
      expect(violations).toEqual(['more than one Content-Length header']);
      expect(client.replies).toEqual([]);
    },
  );

  it('closes the connection when the Content-Length header is missing', async () => {
    await listen();
    const client = await connect();
    await client.write(`Content-Type: application/json\r\n\r\n${JSON.stringify(request(7))}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual(['missing Content-Length header']);
  });

  it('closes the connection for a header line without a colon', async () => {
    await listen();
    const client = await connect();
    await client.write(`Content-Length: 2\r\nnonsense\r\n\r\n{}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual(['malformed header line "nonsense"']);
  });

  it('serves nothing that follows a framing violation in the same chunk', async () => {
    await listen();
    const client = await connect();
    await client.write(Buffer.concat([Buffer.from('Content-Length: 1x\r\n\r\n'), frame(request(8))]));
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toHaveLength(1);
    expect(client.replies).toEqual([]);
  });

  it('answers invalid JSON with -32700 and goes on to serve the next request', async () => {
    await listen();
    const client = await connect();
    await client.write(frame('{"jsonrpc": "2.0", "id": 1, '));
    await client.write(frame(request(9)));
    await pollUntil('the error and the reply', () => client.replies.length === 2);
    expect(badMessages).toHaveLength(1);
    expect(badMessages[0]?.code).toBe(-32700);
    expect(badMessages[0]?.id).toBeNull();
    expect(badMessages[0]?.message).toMatch(/^Parse error: /);
    expect(client.replies[0]).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect(client.replies[1]).toStrictEqual({ jsonrpc: '2.0', id: 9, result: { n: 9 } });
    expect(client.closed).toBe(false);
    expect(violations).toEqual([]);
  });

  it('answers an empty body (Content-Length 0) with -32700', async () => {
    await listen();
    const client = await connect();
    await client.write('Content-Length: 0\r\n\r\n');
    await pollUntil('the bad message', () => badMessages.length === 1);
    expect(badMessages[0]).toMatchObject({ code: -32700, id: null });
  });

  it('answers a JSON array (a batch) with -32600 and a null id', async () => {
    await listen();
    const client = await connect();
    await client.write(frame([request(10)]));
    await pollUntil('the error', () => client.replies.length === 1);
    expect(badMessages).toHaveLength(1);
    expect(badMessages[0]).toMatchObject({ code: -32600, id: null });
    expect(badMessages[0]?.message).toMatch(/^Invalid Request: .*batches are not supported/);
    expect(client.replies[0]).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('answers a JSON-RPC 2.0 object that is neither a request, a notification nor a response with -32600 carrying its id', async () => {
    await listen();
    const client = await connect();
    await client.write(frame({ jsonrpc: '2.0', id: 14, method: 5 }));
    await client.write(frame({ jsonrpc: '2.0', id: 16 }));
    await client.write(frame(request(15)));
    await pollUntil('the reply to the valid request', () => client.replies.some((r) => r.id === 15));
    // Messages are handled in order on one socket: answers to the invalid ones would have come first.
    expect(client.replies).toMatchObject([
      { jsonrpc: '2.0', id: 14, error: { code: -32600 } },
      { jsonrpc: '2.0', id: 16, error: { code: -32600 } },
      { jsonrpc: '2.0', id: 15, result: { n: 15 } },
    ]);
  });

  it('answers an object that is not JSON-RPC 2.0 with -32600 carrying its id', async () => {
    await listen();
    const client = await connect();
    await client.write(frame({ jsonrpc: '1.0', id: 11, method: 'echo' }));
    await client.write(frame({ id: 'req-12', method: 'echo' }));
    await client.write(frame({ jsonrpc: '1.0', method: 'echo' }));
    await client.write(frame({ jsonrpc: '1.0', id: { nested: true }, method: 'echo' }));
    await client.write(frame('42'));
    await client.write(frame('null'));
    await client.write(frame(request(13)));
    await pollUntil('six errors and one reply', () => client.replies.length === 7);
    expect(badMessages.map((b) => [b.code, b.id])).toStrictEqual([
      [-32600, 11],
      [-32600, 'req-12'],
      [-32600, null],
      [-32600, null],
      [-32600, null],
      [-32600, null],
    ]);
    expect(client.replies.slice(0, 2)).toMatchObject([
      { id: 11, error: { code: -32600 } },
      { id: 'req-12', error: { code: -32600 } },
    ]);
    expect(client.replies[6]).toStrictEqual({ jsonrpc: '2.0', id: 13, result: { n: 13 } });
  });
});
