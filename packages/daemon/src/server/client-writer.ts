import type { Socket } from 'node:net';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc/node.js';

/**
 * Most bytes of replies and notifications a connection may have queued unread
 * before the daemon drops it (32 MiB): above the largest single reply a
 * reading client gets (a 1 MiB `task/output` read, a `task/list` page), far
 * below what would hurt the daemon.
 */
export const MAX_QUEUED_BYTES = 32 * 1024 * 1024;

/** Settings of a {@link ClientMessageWriter}. */
export interface ClientWriterOptions {
  /** Queued-bytes cap, in bytes; default {@link MAX_QUEUED_BYTES}. */
  maxQueuedBytes?: number;
  /** Called once, just before the socket is destroyed, with the bytes that were queued. */
  onOverflow(queuedBytes: number): void;
  /** Called with the id of each response written (or dropped because the socket is gone). */
  onResponse?(id: string | number): void;
}

/**
 * The daemon's message writer for one client socket. Unlike vscode-jsonrpc's
 * StreamMessageWriter it never rejects and never waits: a write to a closed or
 * broken socket is dropped (an EPIPE from a client that sent a bad message and
 * left must not become an unhandled rejection that ends the daemon), and the
 * library's one-at-a-time write lock, which queues every reply in memory
 * without limit while the client does not read, is replaced by one bounded
 * queue: the socket's own buffer, capped at `maxQueuedBytes` (past it the
 * client is disconnected and its memory freed).
 */
export class ClientMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private readonly maxQueued: number;
  private overflowed = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: ClientWriterOptions,
  ) {
    super();
    this.maxQueued = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
    socket.on('close', () => this.fireClose());
  }

  /** Bytes written but not yet taken by the kernel. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Frames and queues `msg`; resolves at once and never rejects. A message
   * that cannot be serialized is dropped and reported through `onError`.
   */
  write(msg: Message): Promise<void> {
    const response = msg as { id?: unknown; method?: unknown };
    if (
      response.method === undefined &&
      (typeof response.id === 'string' || typeof response.id === 'number')
    ) {
      this.options.onResponse?.(response.id);
    }
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    if (this.socket.writableLength > this.maxQueued) {
      this.overflow();
      return Promise.resolve();
    }
    let json: string;
    try {
      json = JSON.stringify(msg);
    } catch (error) {
      this.fireError(error, msg);
      return Promise.resolve();
    }
    // One write per message keeps headers and body together; the socket keeps the order.
    const length = Buffer.byteLength(json, 'utf8');
    const header = `Content-Length: ${length}\r\n\r\n`;
    if (length === json.length) {
      // ASCII (most messages): written as a string, which Node copies straight into the socket's write
      // (native, no Buffer). Framing as Buffers cost ~3 pooled allocations per message: a task's
      // notifications to 5 clients left ~13 KiB of ArrayBuffers per task to the next full GC, and
      // the malloc heap they grew stayed in the daemon's RSS (issue 13). A queued string counts its
      // length in `writableLength`, which equals its bytes here: the caps stay exact.
      this.socket.write(header + json, 'utf8', () => undefined);
    } else {
      this.socket.write(Buffer.from(header + json, 'utf8'), () => undefined);
    }
    return Promise.resolve();
  }

  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  private overflow(): void {
    if (this.overflowed) return;
    this.overflowed = true;
    this.options.onOverflow(this.socket.writableLength);
    this.socket.destroy();
  }
}
