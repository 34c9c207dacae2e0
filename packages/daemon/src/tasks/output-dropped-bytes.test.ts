import { beforeEach, describe, expect, it } from 'vitest';
import { readLogSelection } from './output.js';
import { log, useLogFile, write } from '../test-support/log-file.js';

// readLogSelection after the output cap dropped the head of the log (droppedBytes).
describe('readLogSelection', () => {
  useLogFile();

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
});
