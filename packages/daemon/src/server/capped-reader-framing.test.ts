import { describe, expect, it } from 'vitest';
import { frame, request, useCappedReaderServer } from '../test-support/capped-reader-server.js';
import { pollUntil } from '../../../../test/support/poll.mjs';

// Framing: well-formed messages in any chunking, and the framing violations that close the connection.
describe('CappedMessageReader on a Unix socket', () => {
  const { listen, connect, violations, badMessages, chunkSizes } = useCappedReaderServer();

  it('answers a well-formed request', async () => {
    await listen();
    const client = await connect();
    await client.write(frame(request(1, { text: 'héllo 日本 😀' })));
    await pollUntil('the reply', () => client.replies.length === 1);
    expect(client.replies[0]).toStrictEqual({ jsonrpc: '2.0', id: 1, result: { text: 'héllo 日本 😀' } });
    expect(violations).toEqual([]);
    expect(badMessages).toEqual([]);
  });

  it('accepts a lower-case header name, extra headers and no space after the colon', async () => {
    await listen();
    const client = await connect();
    const body = Buffer.from(JSON.stringify(request(2)));
    await client.write(
      Buffer.concat([
        Buffer.from(
          `content-type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length:${body.length}\r\n\r\n`,
        ),
        body,
      ]),
    );
    await pollUntil('the reply', () => client.replies.length === 1);
    expect(client.replies[0]).toStrictEqual({ jsonrpc: '2.0', id: 2, result: { n: 2 } });
  });

  it('reads two messages that arrive in one chunk', async () => {
    await listen();
    const client = await connect();
    await client.write(Buffer.concat([frame(request(1)), frame(request(2))]));
    await pollUntil('both replies', () => client.replies.length === 2);
    expect(client.replies.map((r) => r.result)).toStrictEqual([{ n: 1 }, { n: 2 }]);
  });

  it('reads a message that arrives one byte at a time', async () => {
    await listen();
    const client = await connect();
    const bytes = frame(request(3, { text: 'é日😀' }));
    for (const byte of bytes) {
      await client.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await pollUntil('the reply', () => client.replies.length === 1);
    expect(client.replies[0]).toStrictEqual({ jsonrpc: '2.0', id: 3, result: { text: 'é日😀' } });
    // The bytes really came in many pieces (header and body split).
    expect(chunkSizes.length).toBeGreaterThan(bytes.length / 4);
  });

  it.each([
    ['12abc', 'Content-Length "12abc" is not a decimal number'],
    ['-1', 'Content-Length "-1" is not a decimal number'],
    ['0x10', 'Content-Length "0x10" is not a decimal number'],
    ['1e3', 'Content-Length "1e3" is not a decimal number'],
    ['12.0', 'Content-Length "12.0" is not a decimal number'],
    ['', 'Content-Length "" is not a decimal number'],
    ['12345678901', 'Content-Length "12345678901" is not a decimal number'],
  ])('closes the connection for Content-Length %j', async (value, reason) => {
    await listen();
    const client = await connect();
    await client.write(`Content-Length: ${value}\r\n\r\n${JSON.stringify(request(6))}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual([reason]);
    expect(client.replies).toEqual([]);
  });

  it.each([
    ['a different', 5],
    ['the same', 0],
  ])(
    'closes the connection when a second Content-Length header (%s value) follows the first',
    async (_what, delta) => {
      await listen();
      const client = await connect();
      const body = JSON.stringify(request(21));
      const length = Buffer.byteLength(body);
      await client.write(`Content-Length: ${length - delta}\r\nContent-Length: ${length}\r\n\r\n${body}`);
      await pollUntil('the close', () => client.closed);
      expect(violations).toEqual(['more than one Content-Length header']);
      expect(client.replies).toEqual([]);
    },
  );

  it('closes the connection when the Content-Length header is missing', async () => {
    await listen();
    const client = await connect();
    await client.write(`Content-Type: application/json\r\n\r\n${JSON.stringify(request(7))}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual(['missing Content-Length header']);
  });

  it('closes the connection for a header line without a colon', async () => {
    await listen();
    const client = await connect();
    await client.write(`Content-Length: 2\r\nnonsense\r\n\r\n{}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual(['malformed header line "nonsense"']);
  });

  it('serves nothing that follows a framing violation in the same chunk', async () => {
    await listen();
    const client = await connect();
    await client.write(Buffer.concat([Buffer.from('Content-Length: 1x\r\n\r\n'), frame(request(8))]));
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toHaveLength(1);
    expect(client.replies).toEqual([]);
  });
});
