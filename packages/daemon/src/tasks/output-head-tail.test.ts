import { describe, expect, it } from 'vitest';
import { readLogSelection } from './output.js';
import { log, useLogFile, write } from '../test-support/log-file.js';

// readLogSelection with head and tail: whole lines, counted from either end of the log.
describe('readLogSelection', () => {
  useLogFile();

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
});
