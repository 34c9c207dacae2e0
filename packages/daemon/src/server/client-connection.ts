import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  createMessageConnection,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node.js';
import { CappedMessageReader } from './capped-reader.js';

/** Bytes a connection may have queued unread before it is dropped as too slow (8 MiB). */
export const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** One client's socket, its JSON-RPC connection and what its handshake said. */
export class ClientConnection {
  readonly rpc: MessageConnection;
  /** Aborts when the connection closes: pending waits end. */
  readonly closed = new AbortController();
  client: { name: string; version?: string } | undefined;
  session: string | undefined;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly logger: Logger,
  ) {
    const writer = new StreamMessageWriter(socket);
    const reader = new CappedMessageReader(socket, {
      onViolation: (reason) => {
        logger.warn({ connection: id, reason }, 'closing connection that broke framing');
        socket.destroy();
      },
      onBadMessage: (bad) => {
        logger.warn({ connection: id, code: bad.code, reason: bad.message }, 'bad message');
        void writer.write({ jsonrpc: '2.0', id: bad.id, error: { code: bad.code, message: bad.message } } as never);
      },
    });
    this.rpc = createMessageConnection(reader, writer);
    socket.on('close', () => this.closed.abort());
    socket.on('error', () => this.closed.abort());
  }

  /** Default reader of `since: "last"` reads: the session, else the client's name. */
  get readerName(): string {
    return this.session ?? this.client?.name ?? 'anonymous';
  }

  /** True after a successful `daemon/initialize`. */
  get initialized(): boolean {
    return this.client !== undefined;
  }

  initialize(client: { name: string; version?: string }, session: string | undefined): void {
    this.client = client;
    this.session = session;
    // Routine (a line per CLI call): debug, so that daemon.log holds what matters.
    this.logger.debug({ connection: this.id, client, session }, 'client initialized');
  }

  /** Sends a notification unless the client has stopped reading (then drops the connection). */
  notify(method: string, params: unknown): void {
    if (this.socket.destroyed) return;
    if (this.socket.writableLength > MAX_QUEUED_BYTES) {
      this.logger.warn({ connection: this.id, queued: this.socket.writableLength }, 'dropping a client that does not read');
      this.socket.destroy();
      return;
    }
    void this.rpc.sendNotification(method, params).catch(() => undefined);
  }

  dispose(): void {
    this.closed.abort();
    this.rpc.dispose();
    this.socket.destroy();
  }
}
