import { mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { PROTOCOL_VERSION } from '@tend/protocol';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node.js';
import type { WireJson } from '../../../../test/support/wire-json.js';

/** A request handler of the fake daemon; throw a vscode-jsonrpc ResponseError to answer with an error. */
export type FakeHandler = (params: WireJson) => unknown;

/** An in-process daemon stand-in listening on a Unix socket. */
export interface FakeServer {
  /** Every request received, in order, across connections. */
  received: Array<{ method: string; params: WireJson }>;
  /** Open server-side connections. */
  connections: Array<{ socket: Socket; rpc: MessageConnection }>;
  /** Sends a notification on every open connection. */
  notifyAll(method: string, params: unknown): Promise<void>;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on `socketPath` and answers requests with `handlers`. Unless
 * overridden, daemon/initialize answers with this process's pid and the
 * current PROTOCOL_VERSION.
 */
export async function startFakeServer(
  socketPath: string,
  handlers: Record<string, FakeHandler> = {},
): Promise<FakeServer> {
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
  const all: Record<string, FakeHandler> = {
    'daemon/initialize': () => ({
      version: '0.0.0-fake',
      protocolVersion: PROTOCOL_VERSION,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      socket: socketPath,
    }),
    ...handlers,
  };
  const fake: FakeServer = {
    received: [],
    connections: [],
    async notifyAll(method, params) {
      await Promise.all(fake.connections.map(({ rpc }) => rpc.sendNotification(method, params)));
    },
    async close() {
      for (const { socket, rpc } of fake.connections) {
        rpc.dispose();
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((socket) => {
    socket.on('error', () => {});
    const rpc = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    const entry = { socket, rpc };
    fake.connections.push(entry);
    socket.on('close', () => fake.connections.splice(fake.connections.indexOf(entry), 1));
    for (const [method, handler] of Object.entries(all)) {
      rpc.onRequest(method, (params: unknown) => {
        fake.received.push({ method, params });
        return handler(params);
      });
    }
    rpc.listen();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return fake;
}
