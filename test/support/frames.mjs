// @ts-check
// The JSON-RPC wire framing (one `Content-Length` header, a blank line, the body) as the tests write
// and read it by hand: test/wire-client.ts and the daemon's CappedMessageReader tests.

/**
 * `body` (bytes, text, or a value to JSON-encode) framed with one Content-Length header.
 * @param {Buffer | string | object} body
 * @returns {Buffer}
 */
export function frame(body) {
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`, 'ascii'), bytes]);
}

/**
 * Takes every whole framed message off the front of `pending` (bytes received so far) and parses its
 * body as JSON. The header name is matched case-insensitively. Throws SyntaxError on a body that is
 * not JSON (the tests only read what a JSON-RPC server wrote).
 * @param {Buffer} pending
 * @returns {{ messages: any[]; rest: Buffer }} the parsed bodies in order, and the bytes of an unfinished message
 */
export function splitFrames(pending) {
  const messages = [];
  let rest = pending;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const length = Number(/Content-Length: (\d+)/i.exec(rest.subarray(0, end).toString('ascii'))?.[1]);
    if (rest.length < end + 4 + length) break;
    messages.push(JSON.parse(rest.subarray(end + 4, end + 4 + length).toString('utf8')));
    rest = rest.subarray(end + 4 + length);
  }
  return { messages, rest };
}
