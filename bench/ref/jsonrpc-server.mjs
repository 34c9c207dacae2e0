// Reference for the RPC round trip: a bare vscode-jsonrpc server on a Unix
// socket, in its own process like the daemon, answering `daemon/status` with a
// fixed object of the same shape and size as tend's reply (no validation, no
// store, no handler table).
// Usage: node ref/jsonrpc-server.mjs SOCKET PAYLOAD_JSON   (prints "ready" once listening)
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';

const [socketPath, payloadJson] = process.argv.slice(2);
const payload = JSON.parse(payloadJson);
rmSync(socketPath, { force: true });
const server = createServer((socket) => {
  socket.on('error', () => undefined);
  const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
  connection.onRequest('daemon/status', () => ({ ...payload, uptimeMs: Math.round(performance.now()) }));
  connection.onClose(() => connection.dispose());
  connection.listen();
});
server.listen(socketPath, () => process.stdout.write('ready\n'));
