/**
 * The parts of vscode-jsonrpc the client uses, taken from its runtime-neutral core
 * (`lib/common/api`) and its Node runtime (`lib/node/ril`: stream wrappers, timers, encoding)
 * rather than from its `node` entry, which also loads node:crypto, node:os and node:path for
 * the pipe, IPC and port transports tend does not use. Same classes, same framing
 * (`Content-Length`), same behaviour: the `node` entry's StreamMessageReader/Writer are exactly
 * these two readers and writers over `RIL().stream.as{Readable,Writable}Stream(stream)`.
 * Measured (cold `node` importing it, CPU time, busy 2-core VM): `vscode-jsonrpc/node.js`
 * +131 ms over `node -e 0`, these two modules +86 ms.
 */
import * as ril from 'vscode-jsonrpc/lib/node/ril.js';
import {
  NullLogger,
  ReadableStreamMessageReader,
  WriteableStreamMessageWriter,
  createMessageConnection as createConnection,
  type MessageConnection,
  type MessageReader,
  type MessageStrategy,
  type MessageWriter,
} from 'vscode-jsonrpc/lib/common/api.js';

export {
  ConnectionError,
  ErrorCodes,
  ResponseError,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageConnection,
} from 'vscode-jsonrpc/lib/common/api.js';

type Ril = typeof ril.default.default;
// ril.js is CommonJS with `exports.default = RIL`: Node's ESM loader gives the whole exports object as
// `default` (so RIL is `default.default`), a bundler in CommonJS-interop mode may give RIL itself.
const imported = ril.default as unknown as Ril | { default: Ril };
const RIL: Ril = typeof imported === 'function' ? imported : imported.default;
// What the `node` entry does when it loads: vscode-jsonrpc's core asks RAL for streams and timers.
RIL.install();

/** vscode-jsonrpc's StreamMessageReader (node entry): Content-Length framed messages from a Node readable. */
export class StreamMessageReader extends ReadableStreamMessageReader {
  constructor(readable: NodeJS.ReadableStream) {
    super(RIL().stream.asReadableStream(readable));
  }
}

/** vscode-jsonrpc's StreamMessageWriter (node entry): Content-Length framed messages to a Node writable. */
export class StreamMessageWriter extends WriteableStreamMessageWriter {
  constructor(writable: NodeJS.WritableStream) {
    super(RIL().stream.asWritableStream(writable));
  }
}

/** vscode-jsonrpc's createMessageConnection over a reader and writer, logging nothing. */
export function createMessageConnection(
  reader: MessageReader,
  writer: MessageWriter,
  options: { messageStrategy: MessageStrategy },
): MessageConnection {
  return createConnection(reader, writer, NullLogger, options);
}
