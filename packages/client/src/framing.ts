/**
 * The client's side of tend's message framing (docs/protocol.md, "Framing"): a header section of
 * `Name: value` lines, each ended by `\r\n`, an empty line, and a body of exactly `Content-Length`
 * bytes of UTF-8 JSON (the LSP base protocol, which the daemon speaks through vscode-jsonrpc).
 */

/** Most bytes the header section of one incoming message may take (8 KiB, the daemon's own cap). */
export const MAX_HEADER_BYTES = 8 * 1024;

/**
 * Most bytes the body of one incoming message may take (256 MiB). The daemon's largest replies are a few
 * MiB (a 1 MiB `task/output` read, JSON-escaped; a `task/list` page), and a body must still decode into one
 * JavaScript string (V8's limit is ~512 MiB); the cap turns a garbage or hostile header, whose length would
 * otherwise be waited for indefinitely, into a clear error at once.
 */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');

/** The framing was broken: the connection cannot be read any further. `message` says how. */
export class FramingError extends Error {
  override name = 'FramingError';
}

/**
 * Cuts a byte stream into message bodies. Feed it every chunk read, in order ({@link push}); it returns the
 * bodies completed by that chunk, parsed as JSON. Chunks are kept as a list and joined once per header or
 * body (no concatenation per chunk), so a large body arriving in many chunks costs linear time.
 * Header names are case-insensitive; `Content-Length` is required, once, in decimal digits (bytes, not
 * characters); a `Content-Type` is accepted when its charset, if any, is utf-8; other headers are ignored.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the body being read, in bytes; undefined while reading a header section. */
  private bodyLength: number | undefined;
  private broken: FramingError | undefined;

  /**
   * @param maxBodyBytes cap on one body, in bytes (default {@link MAX_BODY_BYTES}).
   * @param maxHeaderBytes cap on one header section, in bytes (default {@link MAX_HEADER_BYTES}).
   */
  constructor(
    private readonly maxBodyBytes = MAX_BODY_BYTES,
    private readonly maxHeaderBytes = MAX_HEADER_BYTES,
  ) {}

  /** Bytes received and not yet handed over as a message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Why the stream cannot be read any further, once it broke the framing; undefined until then. */
  get error(): FramingError | undefined {
    return this.broken;
  }

  /**
   * Takes the next chunk of the stream and returns the messages it completed, in order (JSON values,
   * not checked to be JSON-RPC messages). A malformed, oversized or non-UTF-8 header, or a body that is
   * not JSON, breaks the reader: the messages before it are still returned, {@link error} says what
   * broke, and every later chunk is ignored (returns none).
   */
  push(chunk: Buffer): unknown[] {
    const messages: unknown[] = [];
    if (this.broken) return messages;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    try {
      for (;;) {
        if (this.bodyLength === undefined) {
          const length = this.readHeader();
          if (length === undefined) break;
          this.bodyLength = length;
        }
        if (this.buffered < this.bodyLength) break;
        const body = this.take(this.bodyLength);
        this.bodyLength = undefined;
        messages.push(parseBody(body));
      }
    } catch (error) {
      this.chunks = [];
      this.buffered = 0;
      this.broken = error instanceof FramingError ? error : new FramingError(String(error));
    }
    return messages;
  }

  /** Parses one header section if it is complete and takes it off the buffer; its Content-Length, else undefined. */
  private readHeader(): number | undefined {
    if (this.buffered === 0) return undefined;
    const first = this.joinFirst(Math.min(this.buffered, this.maxHeaderBytes + HEADER_END.length));
    const end = first.indexOf(HEADER_END);
    if (end === -1) {
      // The first maxHeaderBytes + 4 bytes hold no end of the header section: it is too long.
      if (this.buffered >= this.maxHeaderBytes + HEADER_END.length)
        throw new FramingError(`a header section longer than ${this.maxHeaderBytes} bytes`);
      return undefined;
    }
    let length: number | undefined;
    for (const line of first.toString('latin1', 0, end).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new FramingError(`a malformed header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (length !== undefined) throw new FramingError('more than one Content-Length header');
        if (!/^\d{1,15}$/.test(value))
          throw new FramingError(
            `a Content-Length that is not a decimal number: ${JSON.stringify(value.slice(0, 40))}`,
          );
        length = Number(value);
        if (length > this.maxBodyBytes)
          throw new FramingError(
            `a Content-Length of ${length} bytes, over the ${this.maxBodyBytes}-byte limit`,
          );
      } else if (name === 'content-type') {
        const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(value)?.[1]?.toLowerCase();
        if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
          throw new FramingError(`an unsupported charset ${JSON.stringify(charset)} (only utf-8)`);
      }
    }
    if (length === undefined) throw new FramingError('a header section without Content-Length');
    this.take(end + HEADER_END.length);
    return length;
  }

  /**
   * The first `n` buffered bytes as one Buffer, joining only the chunks needed (the rest stays a list).
   * @param n at most {@link buffered}.
   */
  private joinFirst(n: number): Buffer {
    const head = this.chunks[0] as Buffer;
    if (head.length >= n) return head.subarray(0, n);
    let count = 0;
    let size = 0;
    while (size < n) size += (this.chunks[count++] as Buffer).length;
    const joined = Buffer.concat(this.chunks.slice(0, count), size);
    this.chunks.splice(0, count, joined);
    return joined.subarray(0, n);
  }

  /** Removes the first `n` buffered bytes (at most {@link buffered}) and returns them. */
  private take(n: number): Buffer {
    const all = this.joinFirst(n);
    const head = this.chunks[0] as Buffer;
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    return all;
  }
}

function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new FramingError(`a message body that is not JSON (${(error as Error).message})`);
  }
}

/**
 * One message framed for the wire: `Content-Length: <bytes of the JSON>\r\n\r\n<JSON>`, as one string to
 * hand to a single `write` (Node encodes it as UTF-8; the length counts bytes, Buffer.byteLength).
 * @throws what JSON.stringify throws (a cycle, a BigInt).
 */
export function frame(message: unknown): string {
  const json = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`;
}
