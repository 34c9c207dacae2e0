import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { createMessageConnection, type Message, type MessageConnection } from 'vscode-jsonrpc/node.js';
import {
  DEFAULT_OUTPUT_LIMIT,
  MAX_OUTPUT_LIMIT,
  type NotificationMethod,
  type ParamsOf,
  TaskOutput,
} from '@tend/protocol';
import { CappedMessageReader } from './capped-reader.js';
import { ClientMessageWriter, MAX_QUEUED_BYTES } from './client-writer.js';

/** Queued reply bytes above which the daemon stops reading a connection's requests until it drains (1 MiB). */
export const HOLD_QUEUED_BYTES = 1024 * 1024;
/**
 * Bytes that a connection's task/output reads still being handled may return (the sum of their
 * `limit`s) above which the daemon reads no more of its requests until one is answered (8 MiB:
 * eight reads of the largest size, or 128 of the default 64 KiB). Reads are asynchronous, so
 * without it a client pipelining reads would have them all in memory at once.
 */
export const HOLD_READING_BYTES = 8 * 1024 * 1024;

/** Per-connection limits; each defaults to the constant of the same meaning. */
export interface ConnectionLimits {
  /** Disconnect past this many queued bytes; default {@link MAX_QUEUED_BYTES}. */
  maxQueuedBytes?: number;
}

/**
 * One client's socket, its JSON-RPC connection and what its handshake said.
 * Nothing written to it can throw or reject (see ClientMessageWriter), and it
 * holds at most about `maxQueuedBytes` of replies plus one request at a time
 * waiting for dispatch: requests are handed to vscode-jsonrpc one per
 * event-loop turn (the pace its queue drains at, so the queue stays short),
 * and none while replies back up (the kernel then pushes back on the client).
 */
export class ClientConnection {
  readonly rpc: MessageConnection;
  readonly writer: ClientMessageWriter;
  /** Aborts when the connection closes: pending waits end. */
  readonly closed = new AbortController();
  client: { name: string; version?: string } | undefined;
  session: string | undefined;
  /** Requests being handled now (the server counts them). */
  inFlight = 0;
  private readonly reader: CappedMessageReader;
  /** Ids of requests handed on and not answered yet: the only ones `$/cancelRequest` may name. */
  private readonly pendingIds = new Set<string | number>();
  private pacing = false;
  /** task/output requests being handled: id → the most bytes they may return. */
  private readonly readingIds = new Map<string | number, number>();
  private readingBytes = 0;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly logger: Logger,
    limits: ConnectionLimits = {},
  ) {
    this.writer = new ClientMessageWriter(socket, {
      maxQueuedBytes: limits.maxQueuedBytes ?? MAX_QUEUED_BYTES,
      onOverflow: (queued) =>
        logger.warn({ connection: id, queued }, 'dropping a client that does not read its replies'),
      onResponse: (responseId) => {
        this.pendingIds.delete(responseId);
        const reading = this.readingIds.get(responseId);
        if (reading === undefined) return;
        this.readingIds.delete(responseId);
        this.readingBytes -= reading;
        this.reader.release();
      },
    });
    const writer = this.writer;
    this.reader = new CappedMessageReader(socket, {
      onViolation: (reason) => {
        logger.warn({ connection: id, reason }, 'closing connection that broke framing');
        socket.destroy();
      },
      onBadMessage: (bad) => {
        logger.warn({ connection: id, code: bad.code, reason: bad.message }, 'bad message');
        void writer.write({
          jsonrpc: '2.0',
          id: bad.id,
          error: { code: bad.code, message: bad.message },
        } as never);
      },
      shouldHold: () =>
        this.pacing || writer.queuedBytes > HOLD_QUEUED_BYTES || this.readingBytes >= HOLD_READING_BYTES,
      handOn: (message, deliver) => this.handOn(message, deliver),
    });
    socket.on('drain', () => this.reader.release());
    this.rpc = createMessageConnection(this.reader, writer);
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

  /**
   * Sends the notification `def` (a method object of @tend/protocol, e.g. TaskDidExit) with `params`;
   * a client that stopped reading is dropped by the writer's cap.
   */
  notify<N extends NotificationMethod>(def: N, params: ParamsOf<N>): void {
    if (this.socket.destroyed) return;
    void this.writer.write({ jsonrpc: '2.0', method: def.method, params } as Message);
  }

  dispose(): void {
    this.closed.abort();
    this.rpc.dispose();
    this.socket.destroy();
  }

  /**
   * Passes one message to vscode-jsonrpc and holds the next until the next
   * event-loop turn. A `$/cancelRequest` for an id that is not pending is
   * dropped: the library would remember it for ever.
   */
  private handOn(message: Message, callback: (message: Message) => void): void {
    const record = message as { id?: unknown; method?: unknown; params?: { id?: unknown } };
    if (record.method === '$/cancelRequest') {
      const target = record.params?.id;
      if ((typeof target !== 'string' && typeof target !== 'number') || !this.pendingIds.has(target)) return;
    } else if (
      typeof record.method === 'string' &&
      (typeof record.id === 'string' || typeof record.id === 'number')
    ) {
      this.pendingIds.add(record.id);
      if (record.method === TaskOutput.method) {
        const limit = (record.params as { limit?: unknown } | undefined)?.limit;
        const bytes =
          typeof limit === 'number' && limit > 0 ? Math.min(limit, MAX_OUTPUT_LIMIT) : DEFAULT_OUTPUT_LIMIT;
        this.readingIds.set(record.id, bytes);
        this.readingBytes += bytes;
      }
    }
    this.pacing = true;
    setImmediate(() => {
      this.pacing = false;
      this.reader.release();
    });
    callback(message);
  }
}
