import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  completeUtf8Length,
  leadingContinuationBytes,
  readLogSelection,
  type OutputChunk,
} from './output.js';

const REPLACEMENT = '\uFFFD';
// 'é' is 2 bytes, '日' 3 bytes, '😀' 4 bytes in UTF-8.
const MIXED = `aé日😀b\n😀😀é\nxyz日本語é😀\n${'é'.repeat(3)}😀a日`;

describe('readLogSelection', () => {
  let dir: string;
  let log: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-output-'));
    log = join(dir, 'output.log');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (content: string | Buffer) => writeFileSync(log, content);
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

  describe('from an offset', () => {
    it.each(Array.from({ length: 12 }, (_, i) => i + 1))(
      'reassembles a mixed multi-byte log exactly when chaining nextOffset with limit %i, never splitting a character',
      async (limit) => {
        write(MIXED);
        const total = bytes(MIXED);
        const parts: string[] = [];
        let offset = 0;
        for (let reads = 0; offset < total; reads++) {
          if (reads > total)
            throw new Error(`more than ${total} reads with limit ${limit}: stuck at offset ${offset}`);
          const chunk = await readLogSelection(log, { offset, limit });
          expect(chunk.offset).toBe(offset);
          expect(chunk.totalBytes).toBe(total);
          expect(chunk.data).not.toContain(REPLACEMENT);
          expect(chunk.nextOffset - chunk.offset).toBe(bytes(chunk.data));
          // A read must make progress, or a client following nextOffset loops forever.
          expect(chunk.nextOffset, `no progress at offset ${offset} with limit ${limit}`).toBeGreaterThan(
            offset,
          );
          // Bounded by limit, except that one whole character (at most 4 bytes) may be needed to progress.
          expect(bytes(chunk.data)).toBeLessThanOrEqual(Math.max(limit, 4));
          parts.push(chunk.data);
          offset = chunk.nextOffset;
        }
        expect(parts.join('')).toBe(MIXED);
      },
    );

    it('reads the whole log in one chunk when the limit is large enough, not truncated', async () => {
      write(MIXED);
      const chunk = await readLogSelection(log, { offset: 0, limit: 1_000 });
      expect(chunk).toStrictEqual({
        data: MIXED,
        offset: 0,
        nextOffset: bytes(MIXED),
        totalBytes: bytes(MIXED),
        truncated: false,
        skippedBytes: 0,
      });
    });

    it('says truncated when the limit cut the read short', async () => {
      write('0123456789');
      expect(await readLogSelection(log, { offset: 2, limit: 3 })).toStrictEqual({
        data: '234',
        offset: 2,
        nextOffset: 5,
        totalBytes: 10,
        truncated: true,
        skippedBytes: 0,
      });
    });

    it('moves a start inside a character forward to the next character', async () => {
      write('日x😀y'); // 日 = bytes 0..2, x = 3, 😀 = 4..7, y = 8
      expect(await readLogSelection(log, { offset: 1, limit: 100 })).toMatchObject({
        data: 'x😀y',
        offset: 3,
        nextOffset: 9,
      });
      expect(await readLogSelection(log, { offset: 2, limit: 100 })).toMatchObject({
        data: 'x😀y',
        offset: 3,
      });
      expect(await readLogSelection(log, { offset: 5, limit: 100 })).toMatchObject({
        data: 'y',
        offset: 8,
        nextOffset: 9,
      });
      expect(await readLogSelection(log, { offset: 7, limit: 100 })).toMatchObject({ data: 'y', offset: 8 });
    });

    it('moves an end inside a character back to before that character', async () => {
      write('ab😀cd'); // 😀 = bytes 2..5
      expect(await readLogSelection(log, { offset: 0, limit: 4 })).toStrictEqual({
        data: 'ab',
        offset: 0,
        nextOffset: 2,
        totalBytes: 8,
        truncated: true,
        skippedBytes: 0,
      });
    });

    it('reads an offset at or past the end as empty at the end', async () => {
      write('abc');
      expect(await readLogSelection(log, { offset: 3, limit: 10 })).toStrictEqual({
        data: '',
        offset: 3,
        nextOffset: 3,
        totalBytes: 3,
        truncated: false,
        skippedBytes: 0,
      });
      expect(await readLogSelection(log, { offset: 50, limit: 10 })).toMatchObject({
        data: '',
        offset: 3,
        nextOffset: 3,
      });
    });

    it('starts at 0 when no offset, head or tail is given', async () => {
      write('hello');
      expect(await readLogSelection(log, { limit: 3 })).toMatchObject({
        data: 'hel',
        offset: 0,
        nextOffset: 3,
        truncated: true,
      });
    });
  });

  describe('head', () => {
    it('returns the first N lines including their newlines', async () => {
      write('one\ntwo\nthree\nfour\n');
      expect(await readLogSelection(log, { head: { lines: 2 }, limit: 100 })).toStrictEqual({
        data: 'one\ntwo\n',
        offset: 0,
        nextOffset: 8,
        totalBytes: 19,
        truncated: false,
        skippedBytes: 0,
      });
    });

    it('returns the whole log when it has fewer lines than asked', async () => {
      write('one\ntwo');
      expect(await readLogSelection(log, { head: { lines: 5 }, limit: 100 })).toMatchObject({
        data: 'one\ntwo',
        nextOffset: 7,
        truncated: false,
      });
    });

    it('returns nothing for zero head lines', async () => {
      write('one\ntwo\n');
      expect(await readLogSelection(log, { head: { lines: 0 }, limit: 100 })).toMatchObject({
        data: '',
        offset: 0,
        nextOffset: 0,
      });
    });

    it('cuts head lines at the limit and says truncated', async () => {
      write('a-long-first-line\nsecond\n');
      expect(await readLogSelection(log, { head: { lines: 2 }, limit: 5 })).toMatchObject({
        data: 'a-lon',
        offset: 0,
        nextOffset: 5,
        truncated: true,
      });
    });

    it('cuts head lines at the limit without splitting a character', async () => {
      write('ab日cd\n');
      expect(await readLogSelection(log, { head: { lines: 1 }, limit: 4 })).toMatchObject({
        data: 'ab',
        nextOffset: 2,
        truncated: true,
      });
    });

    it('returns the first N bytes, moving back an end inside a character', async () => {
      write('ab日cd');
      expect(await readLogSelection(log, { head: { bytes: 2 }, limit: 100 })).toStrictEqual({
        data: 'ab',
        offset: 0,
        nextOffset: 2,
        totalBytes: 7,
        truncated: false,
        skippedBytes: 0,
      });
      expect(await readLogSelection(log, { head: { bytes: 4 }, limit: 100 })).toMatchObject({
        data: 'ab',
        nextOffset: 2,
      });
      expect(await readLogSelection(log, { head: { bytes: 5 }, limit: 100 })).toMatchObject({
        data: 'ab日',
        nextOffset: 5,
      });
    });

    it('returns the whole log for more head bytes than it has', async () => {
      write('abc');
      expect(await readLogSelection(log, { head: { bytes: 100 }, limit: 1_000 })).toMatchObject({
        data: 'abc',
        nextOffset: 3,
        truncated: false,
      });
    });

    it('cuts head bytes at the limit and says truncated', async () => {
      write('0123456789');
      expect(await readLogSelection(log, { head: { bytes: 8 }, limit: 3 })).toMatchObject({
        data: '012',
        nextOffset: 3,
        truncated: true,
      });
    });
  });

  describe('tail', () => {
    it('returns the last N lines of a log that ends with a newline', async () => {
      write('one\ntwo\nthree\nfour\n');
      expect(await readLogSelection(log, { tail: { lines: 2 }, limit: 100 })).toStrictEqual({
        data: 'three\nfour\n',
        offset: 8,
        nextOffset: 19,
        totalBytes: 19,
        truncated: false,
        skippedBytes: 0,
      });
      expect(await readLogSelection(log, { tail: { lines: 1 }, limit: 100 })).toMatchObject({
        data: 'four\n',
        offset: 14,
      });
    });

    it('returns the last N lines of a log whose last line has no newline', async () => {
      write('one\ntwo\nthree\nfour');
      expect(await readLogSelection(log, { tail: { lines: 2 }, limit: 100 })).toMatchObject({
        data: 'three\nfour',
        offset: 8,
        nextOffset: 18,
        truncated: false,
      });
      expect(await readLogSelection(log, { tail: { lines: 1 }, limit: 100 })).toMatchObject({
        data: 'four',
        offset: 14,
      });
    });

    it('returns the whole log when more tail lines are asked than it has', async () => {
      write('one\ntwo\n');
      expect(await readLogSelection(log, { tail: { lines: 10 }, limit: 100 })).toMatchObject({
        data: 'one\ntwo\n',
        offset: 0,
        nextOffset: 8,
        truncated: false,
      });
    });

    it('returns nothing, positioned at the end, for zero tail lines', async () => {
      write('one\ntwo\n');
      expect(await readLogSelection(log, { tail: { lines: 0 }, limit: 100 })).toStrictEqual({
        data: '',
        offset: 8,
        nextOffset: 8,
        totalBytes: 8,
        truncated: false,
        skippedBytes: 0,
      });
    });

    it('counts an empty line before the final newline as a line', async () => {
      write('one\n\n');
      expect(await readLogSelection(log, { tail: { lines: 1 }, limit: 100 })).toMatchObject({
        data: '\n',
        offset: 4,
      });
      expect(await readLogSelection(log, { tail: { lines: 2 }, limit: 100 })).toMatchObject({
        data: 'one\n\n',
        offset: 0,
      });
    });

    it('finds tail lines across several scan chunks in a large log', async () => {
      const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} é日😀`);
      write(`${lines.join('\n')}\n`);
      const chunk = await readLogSelection(log, { tail: { lines: 3 }, limit: 1024 * 1024 });
      expect(chunk.data).toBe(`${lines.slice(-3).join('\n')}\n`);
      expect(chunk.truncated).toBe(false);
    });

    it('returns the last N bytes, moving forward a start inside a character', async () => {
      write('ab日cd'); // 日 = bytes 2..4
      expect(await readLogSelection(log, { tail: { bytes: 2 }, limit: 100 })).toStrictEqual({
        data: 'cd',
        offset: 5,
        nextOffset: 7,
        totalBytes: 7,
        truncated: false,
        skippedBytes: 0,
      });
      expect(await readLogSelection(log, { tail: { bytes: 4 }, limit: 100 })).toMatchObject({
        data: 'cd',
        offset: 5,
      });
      expect(await readLogSelection(log, { tail: { bytes: 5 }, limit: 100 })).toMatchObject({
        data: '日cd',
        offset: 2,
      });
      expect(await readLogSelection(log, { tail: { bytes: 50 }, limit: 100 })).toMatchObject({
        data: 'ab日cd',
        offset: 0,
      });
    });

    it('keeps the last bytes and says truncated when tail bytes are more than the limit', async () => {
      write('0123456789');
      expect(await readLogSelection(log, { tail: { bytes: 8 }, limit: 3 })).toStrictEqual({
        data: '789',
        offset: 7,
        nextOffset: 10,
        totalBytes: 10,
        truncated: true,
        skippedBytes: 0,
      });
    });

    it('keeps the last bytes and says truncated when tail lines take more than the limit', async () => {
      write('first line\nsecond line\n'); // 23 bytes; both lines are 23 > limit 8
      expect(await readLogSelection(log, { tail: { lines: 2 }, limit: 8 })).toStrictEqual({
        data: 'nd line\n',
        offset: 15,
        nextOffset: 23,
        totalBytes: 23,
        truncated: true,
        skippedBytes: 0,
      });
    });

    it('says truncated when a single tail line is longer than the limit', async () => {
      write(`${'x'.repeat(100)}\n`);
      expect(await readLogSelection(log, { tail: { lines: 1 }, limit: 10 })).toMatchObject({
        data: `${'x'.repeat(9)}\n`,
        offset: 91,
        truncated: true,
      });
    });
  });

  it('reads a missing log as empty', async () => {
    expect(await readLogSelection(join(dir, 'nope.log'), { offset: 0, limit: 10 })).toStrictEqual({
      data: '',
      offset: 0,
      nextOffset: 0,
      totalBytes: 0,
      truncated: false,
      skippedBytes: 0,
    });
    expect(await readLogSelection(join(dir, 'nope.log'), { tail: { lines: 5 }, limit: 10 })).toMatchObject({
      data: '',
      totalBytes: 0,
    });
  });

  it('reads an empty log as empty', async () => {
    write('');
    for (const selection of [
      { offset: 0 },
      { head: { lines: 3 } },
      { head: { bytes: 3 } },
      { tail: { lines: 3 } },
      { tail: { bytes: 3 } },
    ]) {
      expect(await readLogSelection(log, { ...selection, limit: 10 })).toStrictEqual({
        data: '',
        offset: 0,
        nextOffset: 0,
        totalBytes: 0,
        truncated: false,
        skippedBytes: 0,
      });
    }
  });

  describe('with encoding base64', () => {
    // Not UTF-8: a lone continuation byte, a cut 3-byte sequence, 0xFF, NUL, and a whole '日'.
    const BINARY = Buffer.from([0x80, 0x61, 0xe6, 0x97, 0x0a, 0xff, 0x00, 0xe6, 0x97, 0xa5, 0x0a, 0xc3]);
    const decode = (chunk: OutputChunk) => Buffer.from(chunk.data, 'base64');

    it('returns the exact bytes, whatever they are, cut exactly at the limit', async () => {
      write(BINARY);
      for (let limit = 1; limit <= BINARY.length; limit++) {
        const parts: Buffer[] = [];
        for (let offset = 0; offset < BINARY.length; ) {
          const chunk = await readLogSelection(log, { offset, limit, encoding: 'base64' });
          expect(chunk.nextOffset - chunk.offset).toBe(Math.min(limit, BINARY.length - offset));
          parts.push(decode(chunk));
          offset = chunk.nextOffset;
        }
        expect(Buffer.concat(parts).equals(BINARY)).toBe(true);
      }
    });

    it('serves tail and head reads as exact bytes too', async () => {
      write(BINARY);
      expect(
        decode(await readLogSelection(log, { tail: { bytes: 5 }, limit: 100, encoding: 'base64' })).equals(
          BINARY.subarray(-5),
        ),
      ).toBe(true);
      expect(
        decode(await readLogSelection(log, { tail: { lines: 1 }, limit: 100, encoding: 'base64' })).equals(
          BINARY.subarray(11),
        ),
      ).toBe(true);
      const head = await readLogSelection(log, { head: { lines: 1 }, limit: 100, encoding: 'base64' });
      expect(decode(head).equals(BINARY.subarray(0, 5))).toBe(true);
      expect(head.nextOffset).toBe(5);
    });
  });

  describe('after the output cap dropped the head of the log (droppedBytes)', () => {
    // The dropped head reads as NUL bytes (a punched hole); the kept part starts at byte 8.
    const HOLE = 8;
    const kept = 'one\ntwo\nthree\n';
    beforeEach(() => write(Buffer.concat([Buffer.alloc(HOLE), Buffer.from(kept)])));
    const total = HOLE + kept.length;

    it('starts an offset read below droppedBytes at droppedBytes and reports the bytes it missed', async () => {
      expect(await readLogSelection(log, { offset: 0, limit: 100, droppedBytes: HOLE })).toStrictEqual({
        data: kept,
        offset: HOLE,
        nextOffset: total,
        totalBytes: total,
        truncated: false,
        skippedBytes: HOLE,
      });
      expect(await readLogSelection(log, { offset: 3, limit: 100, droppedBytes: HOLE })).toMatchObject({
        offset: HOLE,
        skippedBytes: HOLE - 3,
      });
    });

    it('reports nothing skipped for an offset read at or above droppedBytes', async () => {
      expect(await readLogSelection(log, { offset: HOLE + 4, limit: 100, droppedBytes: HOLE })).toMatchObject(
        {
          data: 'two\nthree\n',
          offset: HOLE + 4,
          skippedBytes: 0,
        },
      );
    });

    it('counts head lines and head bytes from droppedBytes', async () => {
      expect(
        await readLogSelection(log, { head: { lines: 1 }, limit: 100, droppedBytes: HOLE }),
      ).toMatchObject({
        data: 'one\n',
        offset: HOLE,
        nextOffset: HOLE + 4,
        skippedBytes: HOLE,
      });
      expect(
        await readLogSelection(log, { head: { bytes: 6 }, limit: 100, droppedBytes: HOLE }),
      ).toMatchObject({
        data: 'one\ntw',
        offset: HOLE,
        nextOffset: HOLE + 6,
        truncated: false,
      });
    });

    it('stops a tail read at droppedBytes, never serving dropped bytes', async () => {
      const bytesTail = await readLogSelection(log, {
        tail: { bytes: total },
        limit: 100,
        droppedBytes: HOLE,
      });
      expect(bytesTail).toMatchObject({ data: kept, offset: HOLE, skippedBytes: HOLE });
      const linesTail = await readLogSelection(log, { tail: { lines: 10 }, limit: 100, droppedBytes: HOLE });
      expect(linesTail.data).toBe(kept);
      expect(linesTail.offset).toBe(HOLE);
    });

    it('moves a droppedBytes inside a character forward to the next character', async () => {
      write(Buffer.concat([Buffer.alloc(2), Buffer.from('日x')])); // 日 = bytes 2..4
      expect(await readLogSelection(log, { offset: 0, limit: 100, droppedBytes: 3 })).toMatchObject({
        data: 'x',
        offset: 5,
        skippedBytes: 3,
      });
    });

    it('reads as empty at the end when droppedBytes is past the end of the log', async () => {
      expect(await readLogSelection(log, { offset: 0, limit: 100, droppedBytes: total + 50 })).toMatchObject({
        data: '',
        offset: total,
        nextOffset: total,
      });
    });
  });

  describe('a partial character at the very end of the log', () => {
    // 'a' then the first two of the four bytes of '😀'.
    const dangling = Buffer.concat([Buffer.from('a'), Buffer.from('😀').subarray(0, 2)]);

    it('is held back while the log may still grow', async () => {
      write(dangling);
      const chunk: OutputChunk = await readLogSelection(log, { offset: 0, limit: 100 });
      expect(chunk.data).toBe('a');
      expect(chunk.nextOffset).toBe(1);
      expect(chunk.totalBytes).toBe(3);
      expect((await readLogSelection(log, { tail: { bytes: 10 }, limit: 100 })).data).toBe('a');
    });

    it('is returned as U+FFFD when the log is final, and nextOffset reaches the end', async () => {
      write(dangling);
      expect(await readLogSelection(log, { offset: 0, limit: 100, final: true })).toMatchObject({
        data: `a${REPLACEMENT}`,
        offset: 0,
        nextOffset: 3,
        totalBytes: 3,
      });
      expect(await readLogSelection(log, { tail: { lines: 1 }, limit: 100, final: true })).toMatchObject({
        data: `a${REPLACEMENT}`,
        nextOffset: 3,
      });
      expect(await readLogSelection(log, { head: { bytes: 3 }, limit: 100, final: true })).toMatchObject({
        data: `a${REPLACEMENT}`,
        nextOffset: 3,
      });
    });

    it('is still held back from a final log when the read stops before the end', async () => {
      write(Buffer.concat([Buffer.from('a😀'), Buffer.from('b')]));
      expect(await readLogSelection(log, { offset: 0, limit: 3, final: true })).toMatchObject({
        data: 'a',
        nextOffset: 1,
      });
    });

    it('completes once the rest of the character is written', async () => {
      write(dangling);
      const first = await readLogSelection(log, { offset: 0, limit: 100 });
      write(Buffer.from('a😀z'));
      expect(await readLogSelection(log, { offset: first.nextOffset, limit: 100 })).toMatchObject({
        data: '😀z',
        offset: 1,
        nextOffset: 6,
      });
    });
  });
});

describe('completeUtf8Length', () => {
  const length = (...values: number[]) => completeUtf8Length(Uint8Array.from(values));
  const utf8 = (text: string) => [...Buffer.from(text)];

  it('is 0 for no bytes', () => {
    expect(length()).toBe(0);
  });

  it('keeps ASCII and complete characters of every width whole', () => {
    expect(length(...utf8('abc'))).toBe(3);
    expect(length(...utf8('aé'))).toBe(3);
    expect(length(...utf8('a日'))).toBe(4);
    expect(length(...utf8('a😀'))).toBe(5);
  });

  it('stops before a lead byte whose sequence is incomplete', () => {
    const emoji = utf8('😀');
    expect(length(0x61, ...emoji.slice(0, 1))).toBe(1);
    expect(length(0x61, ...emoji.slice(0, 2))).toBe(1);
    expect(length(0x61, ...emoji.slice(0, 3))).toBe(1);
    expect(length(0x61, ...utf8('日').slice(0, 2))).toBe(1);
    expect(length(0x61, ...utf8('é').slice(0, 1))).toBe(1);
    expect(length(...emoji.slice(0, 3))).toBe(0);
  });

  it('keeps continuation bytes with no lead byte within four bytes (invalid input is not held back forever)', () => {
    expect(length(0x80)).toBe(1);
    expect(length(0x80, 0x80, 0x80, 0x80)).toBe(4);
    expect(length(0x61, 0x80, 0x80, 0x80, 0x80)).toBe(5);
  });
});

describe('leadingContinuationBytes', () => {
  const count = (...values: number[]) => leadingContinuationBytes(Uint8Array.from(values));

  it('is 0 for no bytes and for a buffer that starts with a lead or ASCII byte', () => {
    expect(count()).toBe(0);
    expect(count(0x61, 0x80)).toBe(0);
    expect(count(0xf0, 0x9f, 0x98, 0x80)).toBe(0);
  });

  it('counts the continuation bytes of a character cut at the start', () => {
    const emoji = [...Buffer.from('😀')];
    expect(count(...emoji.slice(1), 0x61)).toBe(3);
    expect(count(...emoji.slice(2), 0x61)).toBe(2);
    expect(count(...emoji.slice(3), 0x61)).toBe(1);
    expect(count(0xa9)).toBe(1);
  });

  it('counts at most three', () => {
    expect(count(0x80, 0x80, 0x80, 0x80, 0x80)).toBe(3);
  });
});
