import { appendFileSync, writeFileSync } from 'node:fs';
import { parseParams, TaskOutput } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { readTaskOutput } from './output-read.js';
import {
  bytes,
  db,
  deps,
  insertTask,
  later,
  log,
  read,
  reopenDatabase,
  useOutputRead,
} from '../test-support/output-read.js';

// readTaskOutput with since: "last": durable per-reader cursors, limits, restarts and bytes the cap dropped.
describe('readTaskOutput', () => {
  useOutputRead();

  describe('since: "last"', () => {
    it('returns only the bytes the reader has not read yet and moves its cursor to where it stopped', async () => {
      insertTask();
      writeFileSync(log, 'one\n');
      expect(await read({ since: 'last' })).toMatchObject({
        data: 'one\n',
        offset: 0,
        nextOffset: 4,
        ended: false,
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(4);

      appendFileSync(log, 'two\nthree\n');
      expect(await read({ since: 'last' })).toMatchObject({
        data: 'two\nthree\n',
        offset: 4,
        nextOffset: 14,
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(14);

      expect(await read({ since: 'last' })).toMatchObject({ data: '', offset: 14, nextOffset: 14 });
    });

    it('stops at limit and resumes from there on the next read', async () => {
      insertTask();
      writeFileSync(log, '0123456789');
      expect(await read({ since: 'last', limit: 4 })).toMatchObject({
        data: '0123',
        nextOffset: 4,
        truncated: true,
      });
      expect(await read({ since: 'last', limit: 4 })).toMatchObject({
        data: '4567',
        offset: 4,
        nextOffset: 8,
      });
      expect(await read({ since: 'last', limit: 4 })).toMatchObject({
        data: '89',
        offset: 8,
        nextOffset: 10,
        truncated: false,
      });
    });

    it('keeps an independent cursor for each reader', async () => {
      insertTask();
      writeFileSync(log, 'a\n');
      expect((await read({ since: 'last' }, 'alice')).data).toBe('a\n');
      appendFileSync(log, 'b\n');
      expect((await read({ since: 'last' }, 'bob')).data).toBe('a\nb\n');
      expect((await read({ since: 'last' }, 'alice')).data).toBe('b\n');
      expect((await read({ since: 'last' }, 'bob')).data).toBe('');
      expect(deps.cursors.get('t1000000', 'alice')).toBe(4);
      expect(deps.cursors.get('t1000000', 'bob')).toBe(4);
    });

    it('leaves the cursor where it was when the client went away during a long poll (a daemon restart): the bytes are read again', async () => {
      insertTask();
      writeFileSync(log, 'one\n');
      await read({ since: 'last' });
      const gone = new AbortController();
      const params = parseParams(TaskOutput, { id: 't1000000', since: 'last', waitMs: 10_000 });
      const polling = readTaskOutput(deps, params, 'agent', gone.signal);
      later(20, () => {
        appendFileSync(log, 'two\n');
        gone.abort();
      });
      expect((await polling).data).toBe('two\n');
      expect(deps.cursors.get('t1000000', 'agent')).toBe(4);
      expect(await read({ since: 'last' })).toMatchObject({ data: 'two\n', offset: 4, nextOffset: 8 });
    });

    it('does not move any cursor on a read by offset, head or tail', async () => {
      insertTask();
      writeFileSync(log, 'hello\nworld\n');
      await read({ offset: 6 });
      await read({ head: { lines: 1 } });
      await read({ tail: { bytes: 3 } });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(0);
      expect((await read({ since: 'last' })).data).toBe('hello\nworld\n');
    });

    it('keeps the cursor after the database is closed and opened again', async () => {
      insertTask();
      writeFileSync(log, 'before restart\n');
      expect((await read({ since: 'last' })).data).toBe('before restart\n');
      db.close();

      reopenDatabase();
      appendFileSync(log, 'after restart\n');
      expect(await read({ since: 'last' })).toMatchObject({
        data: 'after restart\n',
        offset: bytes('before restart\n'),
      });
    });

    it('reads from the oldest byte kept and reports skippedBytes when the cap dropped bytes past the cursor', async () => {
      insertTask({ droppedBytes: 100 });
      writeFileSync(log, `${'x'.repeat(100)}kept\n`);
      expect(await read({ since: 'last' })).toMatchObject({
        data: 'kept\n',
        offset: 100,
        nextOffset: 105,
        skippedBytes: 100,
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(105);
    });

    it('reports skippedBytes as only the dropped bytes the reader had not read yet', async () => {
      insertTask();
      writeFileSync(log, `${'x'.repeat(40)}`);
      await read({ since: 'last' }); // cursor at 40
      appendFileSync(log, `${'y'.repeat(60)}tail\n`);
      deps.store.update('t1000000', { droppedBytes: 100 });
      expect(await read({ since: 'last' })).toMatchObject({ data: 'tail\n', offset: 100, skippedBytes: 60 });
    });

    it('reports skippedBytes on a model-sized read too', async () => {
      insertTask({ droppedBytes: 50, state: 'succeeded' });
      writeFileSync(log, `${'z'.repeat(50)}\x1b[31mred\x1b[0m\n`);
      expect(await read({ since: 'last', clean: true })).toMatchObject({
        data: 'red\n',
        skippedBytes: 50,
        ended: true,
      });
    });
  });
});
