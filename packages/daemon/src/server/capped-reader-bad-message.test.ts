import { describe, expect, it } from 'vitest';
import { frame, request, useCappedReaderServer } from '../test-support/capped-reader-server.js';
import { pollUntil } from '../../../../test/support/poll.mjs';

// Well-framed bodies that are not valid JSON-RPC requests: answered with -32700 or -32600, the connection stays.
describe('CappedMessageReader on a Unix socket', () => {
  const { listen, connect, violations, badMessages } = useCappedReaderServer();

  it('answers invalid JSON with -32700 and goes on to serve the next request', async () => {
    await listen();
    const client = await connect();
    await client.write(frame('{"jsonrpc": "2.0", "id": 1, '));
    await client.write(frame(request(9)));
    await pollUntil('the error and the reply', () => client.replies.length === 2);
    expect(badMessages).toHaveLength(1);
    expect(badMessages[0]?.code).toBe(-32700);
    expect(badMessages[0]?.id).toBeNull();
    expect(badMessages[0]?.message).toMatch(/^Parse error: /);
    expect(client.replies[0]).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect(client.replies[1]).toStrictEqual({ jsonrpc: '2.0', id: 9, result: { n: 9 } });
    expect(client.closed).toBe(false);
    expect(violations).toEqual([]);
  });

  it('answers an empty body (Content-Length 0) with -32700', async () => {
    await listen();
    const client = await connect();
    await client.write('Content-Length: 0\r\n\r\n');
    await pollUntil('the bad message', () => badMessages.length === 1);
    expect(badMessages[0]).toMatchObject({ code: -32700, id: null });
  });

  it('answers a JSON array (a batch) with -32600 and a null id', async () => {
    await listen();
    const client = await connect();
    await client.write(frame([request(10)]));
    await pollUntil('the error', () => client.replies.length === 1);
    expect(badMessages).toHaveLength(1);
    expect(badMessages[0]).toMatchObject({ code: -32600, id: null });
    expect(badMessages[0]?.message).toMatch(/^Invalid Request: .*batches are not supported/);
    expect(client.replies[0]).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('answers a JSON-RPC 2.0 object that is neither a request, a notification nor a response with -32600 carrying its id', async () => {
    await listen();
    const client = await connect();
    await client.write(frame({ jsonrpc: '2.0', id: 14, method: 5 }));
    await client.write(frame({ jsonrpc: '2.0', id: 16 }));
    await client.write(frame(request(15)));
    await pollUntil('the reply to the valid request', () => client.replies.some((r) => r.id === 15));
    // Messages are handled in order on one socket: answers to the invalid ones would have come first.
    expect(client.replies).toMatchObject([
      { jsonrpc: '2.0', id: 14, error: { code: -32600 } },
      { jsonrpc: '2.0', id: 16, error: { code: -32600 } },
      { jsonrpc: '2.0', id: 15, result: { n: 15 } },
    ]);
  });

  it('answers an object that is not JSON-RPC 2.0 with -32600 carrying its id', async () => {
    await listen();
    const client = await connect();
    await client.write(frame({ jsonrpc: '1.0', id: 11, method: 'echo' }));
    await client.write(frame({ id: 'req-12', method: 'echo' }));
    await client.write(frame({ jsonrpc: '1.0', method: 'echo' }));
    await client.write(frame({ jsonrpc: '1.0', id: { nested: true }, method: 'echo' }));
    await client.write(frame('42'));
    await client.write(frame('null'));
    await client.write(frame(request(13)));
    await pollUntil('six errors and one reply', () => client.replies.length === 7);
    expect(badMessages.map((b) => [b.code, b.id])).toStrictEqual([
      [-32600, 11],
      [-32600, 'req-12'],
      [-32600, null],
      [-32600, null],
      [-32600, null],
      [-32600, null],
    ]);
    expect(client.replies.slice(0, 2)).toMatchObject([
      { id: 11, error: { code: -32600 } },
      { id: 'req-12', error: { code: -32600 } },
    ]);
    expect(client.replies[6]).toStrictEqual({ jsonrpc: '2.0', id: 13, result: { n: 13 } });
  });
});
