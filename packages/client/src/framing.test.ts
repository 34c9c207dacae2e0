import { describe, expect, it } from 'vitest';
import { frame, FrameReader, FramingError, MAX_BODY_BYTES, MAX_HEADER_BYTES } from './framing.js';

const enc = (text: string): Buffer => Buffer.from(text, 'utf8');
const framed = (message: unknown): Buffer => enc(frame(message));

describe('FrameReader', () => {
  it('reads several messages from one chunk, in order', () => {
    const reader = new FrameReader();
    const chunk = Buffer.concat([framed({ id: 1 }), framed({ id: 2 }), framed({ id: 3 })]);
    expect(reader.push(chunk)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(reader.pendingBytes).toBe(0);
  });

  it('reads a message split at every byte, header and multibyte UTF-8 body alike', () => {
    const message = { jsonrpc: '2.0', id: 7, result: { text: 'héllo 日本 😀 é日😀' } };
    const bytes = framed(message);
    // The body's bytes are more than its characters: Content-Length counts bytes.
    expect(bytes.length).toBeGreaterThan(frame(message).length);
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new FrameReader();
      expect(reader.push(bytes.subarray(0, cut))).toEqual([]);
      expect(reader.push(bytes.subarray(cut))).toEqual([message]);
    }
    const reader = new FrameReader();
    const seen: unknown[] = [];
    for (const byte of bytes) seen.push(...reader.push(Buffer.from([byte])));
    expect(seen).toEqual([message]);
  });

  it('reads a message that ends mid-chunk, with the next one starting in the same chunk', () => {
    const reader = new FrameReader();
    const all = Buffer.concat([
      framed({ id: 1, text: '😀'.repeat(10) }),
      framed({ id: 2 }),
      framed({ id: 3 }),
    ]);
    const first = framed({ id: 1, text: '😀'.repeat(10) }).length;
    expect(reader.push(all.subarray(0, first - 3))).toEqual([]);
    expect(reader.push(all.subarray(first - 3, first + 5))).toEqual([{ id: 1, text: '😀'.repeat(10) }]);
    expect(reader.push(all.subarray(first + 5))).toEqual([{ id: 2 }, { id: 3 }]);
  });

  it('joins a large body sent in many chunks intact', () => {
    const message = { id: 1, result: 'é'.repeat(300_000) };
    const bytes = framed(message);
    const reader = new FrameReader();
    const seen: unknown[] = [];
    for (let at = 0; at < bytes.length; at += 997) seen.push(...reader.push(bytes.subarray(at, at + 997)));
    expect(seen).toEqual([message]);
  });

  it('takes header names in any case, ignores unknown headers and accepts a utf-8 Content-Type', () => {
    const body = '{"id":1,"t":"é"}';
    const length = Buffer.byteLength(body);
    const reader = new FrameReader();
    const chunk = enc(
      `content-type: application/vscode-jsonrpc; charset=UTF-8\r\nX-Other: 1\r\nCONTENT-LENGTH:${length}\r\n\r\n${body}` +
        `Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(reader.push(chunk)).toEqual([{ id: 1, t: 'é' }, {}]);
  });

  it.each([
    ['no Content-Length', 'Content-Type: application/json\r\n\r\n{}', /without Content-Length/],
    [
      'a Content-Length that is not decimal',
      'Content-Length: 0x10\r\n\r\n{}',
      /not a decimal number: "0x10"/,
    ],
    ['a negative Content-Length', 'Content-Length: -2\r\n\r\n{}', /not a decimal number/],
    [
      'two Content-Lengths',
      'Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}',
      /more than one Content-Length/,
    ],
    ['a line without a colon', 'Content-Length: 2\r\nhello\r\n\r\n{}', /malformed header line "hello"/],
    [
      'another charset',
      'Content-Length: 2\r\nContent-Type: text/plain; charset=latin1\r\n\r\n{}',
      /charset "latin1"/,
    ],
    ['a body that is not JSON', 'Content-Length: 5\r\n\r\n{"a":', /not JSON/],
  ])('refuses %s, and stays broken', (_what, text, message) => {
    const reader = new FrameReader();
    // The message before the bad one, in the same chunk, is still handed over.
    expect(reader.push(Buffer.concat([framed({ id: 1 }), enc(text), framed({ id: 3 })]))).toEqual([
      { id: 1 },
    ]);
    expect(reader.error).toBeInstanceOf(FramingError);
    expect(reader.error?.message).toMatch(message);
    // Whatever comes next is not read: the stream's framing is lost.
    expect(reader.push(framed({ id: 2 }))).toEqual([]);
    expect(reader.pendingBytes).toBe(0);
  });

  it('refuses a header section longer than 8 KiB without waiting for its end', () => {
    const reader = new FrameReader();
    expect(reader.push(enc(`X-Pad: ${'a'.repeat(MAX_HEADER_BYTES - 20)}`))).toEqual([]);
    expect(reader.error).toBeUndefined();
    expect(reader.push(enc('b'.repeat(100)))).toEqual([]);
    expect(reader.error?.message).toMatch(/header section longer than 8192 bytes/);
  });

  it('accepts a header section of exactly 8 KiB', () => {
    const body = '{"ok":true}';
    const head = `Content-Length: ${body.length}\r\nX-Pad: `;
    const pad = 'a'.repeat(MAX_HEADER_BYTES - head.length);
    expect(Buffer.byteLength(head + pad)).toBe(MAX_HEADER_BYTES);
    expect(new FrameReader().push(enc(`${head}${pad}\r\n\r\n${body}`))).toEqual([{ ok: true }]);
  });

  it('refuses a Content-Length over the body cap at once, before any of the body arrives', () => {
    expect(MAX_BODY_BYTES).toBe(256 * 1024 * 1024);
    const errorOf = (reader: FrameReader, text: string): string | undefined => {
      expect(reader.push(enc(text))).toEqual([]);
      return reader.error?.message;
    };
    expect(errorOf(new FrameReader(), `Content-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`)).toMatch(
      /Content-Length of 268435457 bytes, over the 268435456-byte limit/,
    );
    expect(errorOf(new FrameReader(), 'Content-Length: 99999999999999999999\r\n\r\n')).toMatch(
      /not a decimal number/,
    );
    // At the cap is fine (a small cap stands in for 256 MiB).
    const small = new FrameReader(10);
    expect(small.push(enc('Content-Length: 10\r\n\r\n"abcdefgh"'))).toEqual(['abcdefgh']);
    expect(errorOf(small, 'Content-Length: 11\r\n\r\n')).toMatch(/over the 10-byte limit/);
  });
});

describe('frame', () => {
  it('writes Content-Length in bytes, then the JSON body', () => {
    const text = frame({ id: 1, result: 'é日😀' });
    const json = '{"id":1,"result":"é日😀"}';
    expect(text).toBe(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    expect(Buffer.byteLength(json)).toBe(json.length + 1 + 2 + 2);
    expect(new FrameReader().push(enc(text))).toEqual([{ id: 1, result: 'é日😀' }]);
  });
});
