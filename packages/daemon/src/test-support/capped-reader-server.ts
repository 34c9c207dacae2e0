import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { afterEach, beforeEach } from 'vitest';
import { frame, splitFrames } from '../../../../test/support/frames.mjs';
import { type BadMessage, CappedMessageReader, type CappedReaderOptions } from '../server/capped-reader.js';

// Fixture of the CappedMessageReader tests (server/capped-reader-*.test.ts): a Unix-socket server
// whose connections read through a capped reader, and a raw client that writes any bytes.

export { frame };

/** A JSON-RPC request of the fixture's `echo` method, which answers with `params`. */
export const request = (id: number | string, params: unknown = { n: id }) => ({
  jsonrpc: '2.0',
  id,
  method: 'echo',
  params,
});

/** The raw client side: writes bytes, parses framed replies, notices the close. */
export class RawClient {
  readonly replies: Record<string, unknown>[] = [];
  closed = false;
  private pending: Buffer = Buffer.alloc(0);

  constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      const { messages, rest } = splitFrames(Buffer.concat([this.pending, data]));
      this.pending = rest;
      this.replies.push(...messages);
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  /** Resolves once the bytes are handed to the kernel, or the server has already closed (that is asserted elsewhere). */
  write(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }
}

/** What `useCappedReaderServer` gives a test: start the server, connect clients, and what the server saw. */
export interface CappedReaderServer {
  /** Starts the server; each connection gets a capped reader with `options` and an `echo` method. */
  listen(options?: Partial<Pick<CappedReaderOptions, 'maxHeaderBytes' | 'maxBodyBytes'>>): Promise<void>;
  /** Connects a raw client to the server. */
  connect(): Promise<RawClient>;
  /** The reasons of the framing violations (each closed its connection), in order. */
  readonly violations: string[];
  /** The bad messages the reader reported (each answered with a JSON-RPC error). */
  readonly badMessages: BadMessage[];
  /** Sizes (bytes) of the chunks the server socket received, to check how the bytes arrived. */
  readonly chunkSizes: number[];
}

/**
 * Registers hooks that give each test a fresh temporary directory for the socket and empty records,
 * and afterwards close the clients, the connections and the server. Call inside a `describe`.
 */
export function useCappedReaderServer(): CappedReaderServer {
  let dir: string;
  let server: Server | undefined;
  let socketPath: string;
  const violations: string[] = [];
  const badMessages: BadMessage[] = [];
  const chunkSizes: number[] = [];
  const connections: MessageConnection[] = [];
  const clients: Socket[] = [];

  async function listen(
    options: Partial<Pick<CappedReaderOptions, 'maxHeaderBytes' | 'maxBodyBytes'>> = {},
  ): Promise<void> {
    const listening = createServer((socket) => {
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
    server = listening;
    await new Promise<void>((resolve) => listening.listen(socketPath, resolve));
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
  return { listen, connect, violations, badMessages, chunkSizes };
}
