import type { Duplex } from 'node:stream';
import type { MethodRef, NotificationMethod, ParamsOf, RequestMethod, ResultOf } from '@tend/protocol/wire';
import {
  createMessageConnection,
  StreamMessageReader,
  type DataCallback,
  type Disposable as JsonRpcDisposable,
  type Message,
  type MessageConnection,
} from './jsonrpc.js';
import { toTendError } from './error-mapping.js';
import { ConnectionClosedError } from './errors.js';
import { SafeMessageWriter } from './safe-writer.js';

/** Handle returned by listener registrations; `dispose()` removes the listener. */
export interface Disposable {
  dispose(): void;
}

/** Longest a lost connection waits for messages it already received to be handled, in ms. */
const DRAIN_MS = 1_000;

/** A StreamMessageReader that counts the messages it has handed over. */
class CountingReader extends StreamMessageReader {
  received = 0;
  override listen(callback: DataCallback): JsonRpcDisposable {
    return super.listen((message: Message) => {
      this.received++;
      callback(message);
    });
  }
}

/**
 * One JSON-RPC connection to the daemon over a connected socket (or any duplex stream: the stdio of
 * `ssh host tend daemon dial-stdio` for a remote host), with
 * vscode-jsonrpc's Content-Length framing. Requests reject with mapped
 * {@link TendError}s; when the socket closes, the messages that arrived before
 * the end (a reply sent just before the daemon closed) are still handled, then
 * pending and later requests reject with {@link ConnectionClosedError} and the
 * close listeners run once.
 */
export class RpcChannel {
  private readonly connection: MessageConnection;
  private readonly reader: CountingReader;
  private readonly notificationListeners = new Map<string, Set<(params: unknown) => void>>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;
  private handled = 0;
  private afterDrain: (() => void) | undefined;

  constructor(private readonly socket: Duplex) {
    // Socket errors are always followed by 'close', which is what we act on.
    socket.on('error', () => {});
    socket.once('close', () => this.handleClosed(false));
    this.reader = new CountingReader(socket);
    // vscode-jsonrpc handles queued messages one per setImmediate and drops the queue on dispose():
    // count what it handled, so that a lost connection is disposed only once the queue is empty.
    const messageStrategy = {
      handleMessage: (message: Message, next: (message: Message) => void) => {
        try {
          next(message);
        } finally {
          this.handled++;
          if (this.afterDrain && this.handled >= this.reader.received) this.afterDrain();
        }
      },
    };
    this.connection = createMessageConnection(this.reader, new SafeMessageWriter(socket), {
      messageStrategy,
    });
    this.connection.onClose(() => this.handleClosed(false));
    this.connection.listen();
  }

  /** True once the connection was closed by {@link close} or lost. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends `method` with `params` and resolves with the daemon's result (not
   * re-validated: the daemon is the source of truth for result shapes).
   * @throws TendError subclasses for error replies (see toTendError);
   *   ConnectionClosedError when the connection is or becomes closed.
   */
  async request<M extends RequestMethod>(method: MethodRef<M>, params: ParamsOf<M>): Promise<ResultOf<M>> {
    // Fail fast on a closed connection (SafeMessageWriter covers the race after this check).
    if (this.closed || this.socket.destroyed || !this.socket.writable) {
      throw new ConnectionClosedError(
        `cannot send ${method.method}: the connection to the tend daemon is closed`,
      );
    }
    try {
      return (await this.connection.sendRequest(method.method, params)) as ResultOf<M>;
    } catch (error) {
      throw toTendError(error, method.method);
    }
  }

  /** Calls `listener` with the params of every `method` notification; returns its remover. */
  onNotification<N extends NotificationMethod>(
    method: MethodRef<N>,
    listener: (params: ParamsOf<N>) => void,
  ): Disposable {
    let listeners = this.notificationListeners.get(method.method);
    if (!listeners) {
      const set = new Set<(params: unknown) => void>();
      listeners = set;
      this.notificationListeners.set(method.method, set);
      if (!this.closed) {
        this.connection.onNotification(method.method, (params: unknown) => {
          for (const each of [...set]) each(params);
        });
      }
    }
    const set = listeners;
    const wrapped = listener as (params: unknown) => void;
    set.add(wrapped);
    return { dispose: () => set.delete(wrapped) };
  }

  /** Calls `listener` once when the connection is lost (not after {@link close}). */
  onClose(listener: () => void): Disposable {
    this.closeListeners.add(listener);
    return { dispose: () => this.closeListeners.delete(listener) };
  }

  /**
   * Closes the connection: pending requests reject with ConnectionClosedError,
   * buffered writes are flushed, then the socket is destroyed. Idempotent.
   */
  async close(): Promise<void> {
    const socket = this.socket;
    this.handleClosed(true);
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end(() => socket.destroy());
    });
  }

  private handleClosed(byUs: boolean): void {
    if (byUs) {
      // close() during a drain: stop waiting for the rest.
      this.afterDrain?.();
      if (this.closed) return;
      this.closed = true;
      this.connection.dispose();
      return;
    }
    if (this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      this.afterDrain = undefined;
      // dispose() rejects pending requests (vscode-jsonrpc does not on a mere close).
      this.connection.dispose();
      for (const listener of [...this.closeListeners]) listener();
    };
    if (this.handled >= this.reader.received) {
      finish();
      return;
    }
    // Messages that arrived before the end are still queued in vscode-jsonrpc: let it hand them over first.
    this.afterDrain = finish;
    timer = setTimeout(finish, DRAIN_MS);
    timer.unref();
  }
}
