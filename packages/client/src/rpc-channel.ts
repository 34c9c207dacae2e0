import type { Duplex } from 'node:stream';
import {
  ErrorCode,
  type MethodRef,
  type NotificationMethod,
  type ParamsOf,
  type RequestMethod,
  type ResultOf,
} from '@tend/protocol/wire';
import { toTendError } from './error-mapping.js';
import { ConnectionClosedError } from './errors.js';
import { frame, FrameReader, type FramingError } from './framing.js';
import { ResponseError, type RequestMessage, type ResponseMessage } from './jsonrpc.js';

/** Handle returned by listener registrations; `dispose()` removes the listener. */
export interface Disposable {
  dispose(): void;
}

/** A request sent and not yet answered. */
interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/**
 * One JSON-RPC 2.0 connection to the daemon over a connected socket (or any duplex stream: the stdio of
 * `ssh host tend daemon dial-stdio` for a remote host), with `Content-Length` framing (framing.ts,
 * docs/protocol.md "Framing"). Requests reject with mapped {@link TendError}s; when the socket closes,
 * the messages that arrived before the end (a reply sent just before the daemon closed) are still handled,
 * then pending and later requests reject with {@link ConnectionClosedError} and the close listeners run
 * once. A message the framing cannot read (a bad header, a body that is not JSON, a body over
 * MAX_BODY_BYTES, 256 MiB) closes the connection the same way, the errors saying what was received.
 *
 * Messages are handled in arrival order, one per event-loop turn (setImmediate), as vscode-jsonrpc, which
 * the client used before, did: the code awaiting a reply runs before the next message is handled, so a
 * listener it adds then hears a notification that came in the same chunk right after the reply.
 * A request from the daemon (tend defines none) is answered with a -32601 error; notifications without
 * listeners, `$/` ones included, are dropped; an exception thrown by a notification listener is dropped
 * (the next message is still handled).
 */
export class RpcChannel {
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private readonly notificationListeners = new Map<string, Set<(params: unknown) => void>>();
  private readonly closeListeners = new Set<() => void>();
  /** Messages read and not yet handled, oldest first. */
  private queue: unknown[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private nextId = 0;
  private closed = false;
  /** Lost while messages were still queued: {@link finish} runs once the queue is empty. */
  private draining = false;
  /** Why the channel closed the connection itself (unreadable framing), for the errors' messages. */
  private failure: FramingError | undefined;
  /**
   * The daemon's refusal of this connection: the error reply with id null and reason `limit_exceeded` it sends
   * to a connection over its limit before closing it (docs/protocol.md, "Limits"). Pending requests reject with
   * it (a LimitExceededError naming the limit) instead of a bare ConnectionClosedError.
   */
  private refusal: Error | undefined;

  constructor(private readonly socket: Duplex) {
    // Socket errors are always followed by 'close', which is what we act on.
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer | string) => this.received(chunk));
    socket.once('close', () => this.lost());
  }

  /** True once the connection was closed by {@link close} or lost. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends `method` with `params` and resolves with the daemon's result (not
   * re-validated: the daemon is the source of truth for result shapes).
   * @throws TendError subclasses for error replies (see toTendError);
   *   ConnectionClosedError when the connection is or becomes closed; what JSON.stringify throws for
   *   params it cannot serialize (nothing is sent).
   */
  async request<M extends RequestMethod>(method: MethodRef<M>, params: ParamsOf<M>): Promise<ResultOf<M>> {
    if (this.closed || this.socket.destroyed || !this.socket.writable) {
      throw new ConnectionClosedError(
        `cannot send ${method.method}: the connection to the tend daemon is closed`,
      );
    }
    const id = this.nextId++;
    const data = frame({ jsonrpc: '2.0', id, method: method.method, params });
    const answered = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { method: method.method, resolve, reject });
    });
    // One write of header and body. A failed write is an 'error' then 'close' of the socket: the
    // request then rejects with ConnectionClosedError like any other pending one.
    this.socket.write(data);
    return (await answered) as ResultOf<M>;
  }

  /** Calls `listener` with the params of every `method` notification; returns its remover. */
  onNotification<N extends NotificationMethod>(
    method: MethodRef<N>,
    listener: (params: ParamsOf<N>) => void,
  ): Disposable {
    let set = this.notificationListeners.get(method.method);
    if (!set) {
      set = new Set();
      this.notificationListeners.set(method.method, set);
    }
    const listeners = set;
    const wrapped = listener as (params: unknown) => void;
    listeners.add(wrapped);
    return { dispose: () => listeners.delete(wrapped) };
  }

  /** Calls `listener` once when the connection is lost (not after {@link close}). */
  onClose(listener: () => void): Disposable {
    this.closeListeners.add(listener);
    return { dispose: () => this.closeListeners.delete(listener) };
  }

  /**
   * Closes the connection: pending requests reject with ConnectionClosedError, messages not yet handled
   * are dropped, buffered writes are flushed, then the socket is destroyed. Idempotent.
   */
  async close(): Promise<void> {
    const socket = this.socket;
    if (this.draining) {
      // close() while a lost connection's last messages were being handled: stop, and end as lost.
      this.dropQueue();
      this.finish();
    } else if (!this.closed) {
      this.closed = true;
      this.dropQueue();
      this.rejectPending();
    }
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end(() => socket.destroy());
    });
  }

  /** A chunk from the socket: its complete messages join the queue; unreadable framing closes the connection. */
  private received(chunk: Buffer | string): void {
    if (this.closed) return;
    const messages = this.reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    if (this.reader.error) {
      this.failure = this.reader.error;
      // 'close' follows; the messages read before the bad one are still handled (see lost()).
      this.socket.destroy();
    }
    for (const message of messages) this.queue.push(message);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled === undefined && this.queue.length > 0)
      this.scheduled = setImmediate(() => this.handleNext());
  }

  /** Handles the oldest queued message, and schedules the next (or ends a lost connection once none is left). */
  private handleNext(): void {
    this.scheduled = undefined;
    const message = this.queue.shift();
    try {
      this.dispatch(message);
    } catch {
      // A notification listener threw: the connection goes on.
    }
    if (this.queue.length > 0) this.schedule();
    else if (this.draining) this.finish();
  }

  private dispatch(message: unknown): void {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return;
    const record = message as Partial<RequestMessage & ResponseMessage>;
    if (typeof record.method === 'string') {
      if (record.id === undefined || record.id === null) {
        const listeners = this.notificationListeners.get(record.method);
        if (listeners) for (const listener of [...listeners]) listener(record.params);
        return;
      }
      // tend defines no requests from the daemon to a client (docs/protocol.md).
      if (!this.closed)
        this.socket.write(
          frame({
            jsonrpc: '2.0',
            id: record.id,
            error: { code: ErrorCode.MethodNotFound, message: `Unhandled method ${record.method}` },
          }),
        );
      return;
    }
    // A response; one whose id is null (the daemon could not read a request, or refuses the connection) or
    // unknown answers nothing pending.
    if (record.id === null && isRefusal(record.error)) {
      this.refusal = toTendError(
        new ResponseError(record.error.code, record.error.message, record.error.data),
        'the connection',
      ) as Error;
      return;
    }
    if (typeof record.id !== 'number') return;
    const pending = this.pending.get(record.id);
    if (!pending) return;
    this.pending.delete(record.id);
    const error = record.error;
    if (error !== undefined && error !== null) {
      const code = typeof error.code === 'number' ? error.code : ErrorCode.InternalError;
      const text = typeof error.message === 'string' ? error.message : String(error.message);
      pending.reject(toTendError(new ResponseError(code, text, error.data), pending.method));
    } else {
      pending.resolve(record.result);
    }
  }

  /** The socket closed: handle what was read before the end, then reject what is pending and tell the listeners. */
  private lost(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length === 0) {
      this.finish();
      return;
    }
    this.draining = true;
  }

  private finish(): void {
    this.draining = false;
    this.rejectPending();
    for (const listener of [...this.closeListeners]) listener();
  }

  private dropQueue(): void {
    this.queue = [];
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  private rejectPending(): void {
    const failure = this.failure;
    for (const { method, reject } of this.pending.values()) {
      if (this.refusal) {
        reject(this.refusal);
        continue;
      }
      const message = `connection to the tend daemon closed before ${method} was answered`;
      reject(
        failure
          ? new ConnectionClosedError(`${message}: it sent ${failure.message}, so tend closed it`, {
              cause: failure,
            })
          : new ConnectionClosedError(message),
      );
    }
    this.pending.clear();
  }
}

/** Whether `error` (of a reply with id null) is the daemon's refusal of a connection over its limit. */
function isRefusal(error: unknown): error is { code: number; message: string; data: unknown } {
  if (error === null || typeof error !== 'object') return false;
  const { code, message, data } = error as { code?: unknown; message?: unknown; data?: { reason?: unknown } };
  return code === ErrorCode.LimitExceeded && typeof message === 'string' && data?.reason === 'limit_exceeded';
}
