import type { Socket } from 'node:net';
import {
  AbstractMessageReader,
  type DataCallback,
  type Disposable,
  type Message,
} from 'vscode-jsonrpc/node.js';

/** Most bytes the header section of one message may take (8 KiB). */
export const MAX_HEADER_BYTES = 8 * 1024;
/**
 * Most bytes one message body may take (4 MiB): room for the largest valid
 * request (a `task/run` with its 1 MiB of command and environment, JSON-escaped)
 * while 100 clients sending at once cannot make the daemon hold gigabytes.
 */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A well-framed body that is not a JSON-RPC message; the server answers it (JSON-RPC 2.0 §5.1). */
export interface BadMessage {
  code: -32700 | -32600;
  message: string;
  id: string | number | null;
}

/** Settings and callbacks of a {@link CappedMessageReader}. */
export interface CappedReaderOptions {
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
  /** Framing broken (oversized header or body, bad Content-Length): the connection must be closed. */
  onViolation(reason: string): void;
  /** Invalid JSON (-32700) or not a JSON-RPC 2.0 object (-32600): answer it and go on. */
  onBadMessage(bad: BadMessage): void;
  /**
   * Asked before each message is handed on: true makes the reader stop, pause
   * the socket (the kernel then pushes back on the client) and keep the rest
   * buffered until {@link CappedMessageReader.release} finds it false again.
   */
  shouldHold?(): boolean;
  /** Sees each valid message first and passes it on with `deliver` (or drops it); default: pass every one on. */
  handOn?(message: Message, deliver: (message: Message) => void): void;
}

/**
 * A vscode-jsonrpc message reader for `Content-Length` framing that, unlike the
 * library's (which trusts the header and has no size caps; docs/design.md,
 * "Protocol"), caps header and body sizes, accepts only a plain decimal
 * Content-Length, and reports invalid JSON instead of dropping it silently.
 */
export class CappedMessageReader extends AbstractMessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private bodyLength: number | undefined;
  private callback: DataCallback | undefined;
  private stopped = false;
  private held = false;
  private readonly maxHeader: number;
  private readonly maxBody: number;

  constructor(
    private readonly socket: Socket,
    private readonly options: CappedReaderOptions,
  ) {
    super();
    this.maxHeader = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
    this.maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (data: Buffer) => this.onData(data);
    const onError = (error: Error) => this.fireError(error);
    const onClose = () => this.fireClose();
    this.socket.on('data', onData);
    this.socket.on('error', onError);
    this.socket.on('close', onClose);
    return {
      dispose: () => {
        this.socket.off('data', onData);
        this.socket.off('error', onError);
        this.socket.off('close', onClose);
      },
    };
  }

  /** True while the reader holds messages back (see `shouldHold`). */
  get isHeld(): boolean {
    return this.held;
  }

  /** Hands on the messages held back, and resumes the socket, once `shouldHold` says false. */
  release(): void {
    if (!this.held || this.stopped || this.options.shouldHold?.()) return;
    this.held = false;
    this.process();
    if (!this.held && !this.stopped && !this.socket.destroyed) this.socket.resume();
  }

  private onData(data: Buffer): void {
    if (this.stopped) return;
    this.chunks.push(data);
    this.buffered += data.length;
    this.process();
  }

  private process(): void {
    while (!this.stopped && !this.held) {
      if (this.bodyLength === undefined) {
        if (!this.readHeader()) return;
      } else {
        if (this.buffered < this.bodyLength) return;
        if (this.options.shouldHold?.()) {
          this.held = true;
          this.socket.pause();
          return;
        }
        const body = this.take(this.bodyLength);
        this.bodyLength = undefined;
        this.deliver(body);
      }
    }
  }

  /** Parses one header section if complete; false when more bytes are needed (or the connection broke the rules). */
  private readHeader(): boolean {
    const head = this.peek(Math.min(this.buffered, this.maxHeader + 4));
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) {
      if (this.buffered > this.maxHeader) this.violate(`header section over ${this.maxHeader} bytes`);
      return false;
    }
    let length: number | undefined;
    for (const line of head.subarray(0, end).toString('ascii').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) return this.violate(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name !== 'content-length') continue;
      // Two lengths leave the body's end ambiguous (RFC 9110 §8.6 makes such a message invalid).
      if (length !== undefined) return this.violate('more than one Content-Length header');
      if (!/^\d{1,10}$/.test(value))
        return this.violate(`Content-Length ${JSON.stringify(value.slice(0, 40))} is not a decimal number`);
      length = Number(value);
    }
    if (length === undefined) return this.violate('missing Content-Length header');
    if (length > this.maxBody)
      return this.violate(`Content-Length ${length} is over the ${this.maxBody}-byte limit`);
    this.take(end + 4);
    this.bodyLength = length;
    return true;
  }

  private deliver(body: Buffer): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      this.options.onBadMessage({
        code: -32700,
        message: `Parse error: ${(error as Error).message}`,
        id: null,
      });
      return;
    }
    const record = parsed as Record<string, unknown> | null;
    if (record === null || typeof record !== 'object' || Array.isArray(record) || !isJsonRpcMessage(record)) {
      const id = record && typeof record === 'object' && !Array.isArray(record) ? record.id : null;
      this.options.onBadMessage({
        code: -32600,
        message:
          'Invalid Request: expected a JSON-RPC 2.0 request {"jsonrpc":"2.0","id","method","params"}, ' +
          'notification or response (batches are not supported)',
        id: typeof id === 'string' || typeof id === 'number' ? id : null,
      });
      return;
    }
    const callback = this.callback;
    if (!callback) return;
    if (this.options.handOn) this.options.handOn(record as unknown as Message, callback);
    else callback(record as unknown as Message);
  }

  private violate(reason: string): false {
    this.stopped = true;
    this.chunks = [];
    this.buffered = 0;
    this.options.onViolation(reason);
    return false;
  }

  private peek(n: number): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] ?? Buffer.alloc(0)).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}

/**
 * True for a JSON-RPC 2.0 request or notification (string `method`, id a
 * string, number or null when present) or response (id plus `result` or
 * `error`); vscode-jsonrpc drops anything else without a reply.
 */
function isJsonRpcMessage(record: Record<string, unknown>): boolean {
  if (record.jsonrpc !== '2.0') return false;
  const id = record.id;
  const validId = id === undefined || id === null || typeof id === 'string' || typeof id === 'number';
  if (!validId) return false;
  if ('method' in record) return typeof record.method === 'string';
  return id !== undefined && ('result' in record || 'error' in record);
}
