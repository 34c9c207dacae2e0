import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, MAX_HEADER_BYTES } from './capped-reader.js';
import { frame, request, useCappedReaderServer } from '../test-support/capped-reader-server.js';
import { pollUntil } from '../../../../test/support/poll.mjs';

// The header and body caps (MAX_HEADER_BYTES, MAX_BODY_BYTES or options): exactly the cap passes, one byte more closes.
describe('CappedMessageReader on a Unix socket', () => {
  const { listen, connect, violations } = useCappedReaderServer();

  it('closes the connection when the header section is over the default cap', async () => {
    await listen();
    const client = await connect();
    await client.write(`X-Padding: ${'a'.repeat(MAX_HEADER_BYTES + 10)}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual([`header section over ${MAX_HEADER_BYTES} bytes`]);
  });

  it('accepts a header section of exactly the cap and refuses one byte more', async () => {
    await listen({ maxHeaderBytes: 64 });
    const client = await connect();
    const body = JSON.stringify(request(4));
    const base = `Content-Length: ${Buffer.byteLength(body)}\r\nX-Pad: `;
    const exact = `${base}${'p'.repeat(64 - base.length)}`;
    expect(exact.length).toBe(64);
    await client.write(`${exact}\r\n\r\n${body}`);
    await pollUntil('the reply to a header section of exactly the cap', () => client.replies.length === 1);
    expect(violations).toEqual([]);

    await client.write(`${exact}p\r\n\r\n${body}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual(['header section over 64 bytes']);
    expect(client.replies).toHaveLength(1);
  });

  it('closes the connection when Content-Length is over the default body cap', async () => {
    await listen();
    const client = await connect();
    await client.write(`Content-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n{}`);
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual([
      `Content-Length ${MAX_BODY_BYTES + 1} is over the ${MAX_BODY_BYTES}-byte limit`,
    ]);
  });

  it('accepts a body of exactly the body cap and refuses one byte more', async () => {
    const body = JSON.stringify(request(5));
    await listen({ maxBodyBytes: Buffer.byteLength(body) });
    const client = await connect();
    await client.write(frame(body));
    await pollUntil('the reply to a body of exactly the cap', () => client.replies.length === 1);
    await client.write(frame(`${body} `));
    await pollUntil('the server to close the connection', () => client.closed);
    expect(violations).toEqual([
      `Content-Length ${Buffer.byteLength(body) + 1} is over the ${Buffer.byteLength(body)}-byte limit`,
    ]);
  });
});
