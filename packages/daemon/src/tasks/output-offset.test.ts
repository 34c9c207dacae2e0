import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLogSelection } from './output.js';
import { bytes, dir, log, MIXED, REPLACEMENT, useLogFile, write } from '../test-support/log-file.js';

// readLogSelection from an offset (chained reads never split a character), and a missing or empty log.
describe('readLogSelection', () => {
  useLogFile();

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
});
