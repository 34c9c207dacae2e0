import type { Duplex } from 'node:stream';
import { type Message, StreamMessageWriter } from 'vscode-jsonrpc/node.js';

/**
 * A vscode-jsonrpc StreamMessageWriter whose failed writes resolve instead of rejecting, for the tests'
 * raw vscode-jsonrpc clients of a real daemon (test/daemon-harness.ts). vscode-jsonrpc 8's sendRequest
 * rethrows a write error inside an async Promise executor (connection.js, "Sending request failed"),
 * which surfaces as an unhandled rejection and ends the test process. A write fails only when the socket
 * is gone, and the connection's close then rejects every pending request, so nothing is lost by
 * swallowing it here. (@tend/client had it while it used vscode-jsonrpc; it now frames its own messages.)
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
