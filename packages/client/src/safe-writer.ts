import type { Duplex } from 'node:stream';
import { StreamMessageWriter, type Message } from './jsonrpc.js';

/**
 * A StreamMessageWriter whose failed writes resolve instead of rejecting.
 * vscode-jsonrpc 8's sendRequest rethrows a write error inside an async
 * Promise executor (connection.js, "Sending request failed"), which surfaces
 * as an unhandled rejection and ends the process. A write fails only when the
 * socket is gone, and the connection's close then rejects every pending
 * request with ConnectionClosedError, so nothing is lost by swallowing it here.
 */
export class SafeMessageWriter extends StreamMessageWriter {
  constructor(private readonly socket: Duplex) {
    super(socket);
  }

  override async write(message: Message): Promise<void> {
    if (this.socket.destroyed) return;
    try {
      await super.write(message);
    } catch {
      // The socket's close follows and rejects the pending request.
    }
  }
}
