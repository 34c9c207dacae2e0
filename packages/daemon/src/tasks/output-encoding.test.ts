import { describe, expect, it } from 'vitest';
import { readLogSelection, type OutputChunk } from './output.js';
import { log, REPLACEMENT, useLogFile, write } from '../test-support/log-file.js';

// readLogSelection with encoding base64, and a partial character at the very end of the log.
describe('readLogSelection', () => {
  useLogFile();

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
