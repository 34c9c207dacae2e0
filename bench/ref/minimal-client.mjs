// Reference for `tend ps` from a cold process: the least a Node program can do
// to ask the daemon for its task list and print the reply — net.connect, the
// JSON-RPC frames written by hand (daemon/initialize, which tend requires first,
// and task/list in the same write), print the task/list reply, exit. No
// @tend/* module, no zod, no vscode-jsonrpc, no table rendering.
// Usage: TEND_HOME=... node ref/minimal-client.mjs
import { connect } from 'node:net';

const socketPath = process.env.TEND_SOCKET ?? `${process.env.TEND_HOME}/run/tend.sock`;
const frame = (message) => {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
};
const socket = connect(socketPath, () => {
  socket.write(
    Buffer.concat([
      frame({ id: 1, method: 'daemon/initialize', params: { protocolVersion: Number(process.env.TEND_PROTOCOL ?? 1), client: { name: 'minimal' } } }),
      frame({ id: 2, method: 'task/list', params: { state: ['starting', 'running', 'stopping'], limit: 1000 } }),
    ]),
  );
});
let buffer = Buffer.alloc(0);
socket.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())[1]);
    if (buffer.length < headerEnd + 4 + length) return;
    const message = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString());
    buffer = buffer.subarray(headerEnd + 4 + length);
    if (message.id === 2) {
      process.stdout.write(`${JSON.stringify(message.result ?? message.error)}\n`);
      socket.destroy();
      return;
    }
  }
});
