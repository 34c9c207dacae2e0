import { appendFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytes, deps, insertTask, log, MARKER, read, useOutputRead } from '../test-support/output-read.js';

// readTaskOutput with maxBytes (head and tail of a big log) and with clean and grep.
describe('readTaskOutput', () => {
  useOutputRead();

  describe('maxBytes', () => {
    it('reads the head and tail of a big log, names what it left out and moves the cursor to the end', async () => {
      insertTask({ state: 'succeeded' });
      const lines = Array.from({ length: 20_000 }, (_, i) => `line ${String(i).padStart(5, '0')} é日😀`);
      const text = `${lines.join('\n')}\n`;
      writeFileSync(log, text);
      const total = bytes(text);

      const result = await read({ since: 'last', maxBytes: 1024 });
      const match = MARKER.exec(result.data);
      expect(match).not.toBeNull();
      const head = result.data.slice(0, match?.index);
      const tail = result.data.slice((match?.index ?? 0) + (match?.[0].length ?? 0));
      expect(head.startsWith('line 00000 é日😀\n')).toBe(true);
      expect(head.endsWith('\n')).toBe(true);
      expect(tail.endsWith('line 19999 é日😀\n')).toBe(true);
      expect(text.startsWith(head)).toBe(true);
      expect(text.endsWith(tail)).toBe(true);
      expect(bytes(head)).toBeLessThanOrEqual(512);
      expect(bytes(tail)).toBeLessThanOrEqual(512);
      expect(Number(match?.[1])).toBe(result.omittedBytes);
      expect(bytes(head) + bytes(tail) + result.omittedBytes).toBe(total);
      expect(result).toMatchObject({
        offset: 0,
        nextOffset: total,
        totalBytes: total,
        ended: true,
        truncated: false,
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(total);

      expect(await read({ since: 'last', maxBytes: 1024 })).toMatchObject({
        data: '',
        omittedBytes: 0,
        nextOffset: total,
      });
    });

    it('returns what fits under maxBytes whole, with 0 omitted', async () => {
      insertTask({ state: 'succeeded' });
      writeFileSync(log, 'short\n');
      expect(await read({ since: 'last', maxBytes: 256 })).toMatchObject({
        data: 'short\n',
        omittedBytes: 0,
        nextOffset: 6,
      });
    });
  });

  describe('clean and grep', () => {
    it('cleans and greps only the unread part of a since-last read, counting matches', async () => {
      insertTask();
      writeFileSync(log, '\x1b[31mERROR\x1b[0m first\nok\n');
      expect(
        await read({ since: 'last', clean: true, grep: { pattern: 'error', ignoreCase: true } }),
      ).toMatchObject({
        data: 'ERROR first\n',
        matches: 1,
        nextOffset: bytes('\x1b[31mERROR\x1b[0m first\nok\n'),
      });

      appendFileSync(log, 'compiling 10%\rcompiling 100%\r\n\x1b[1mERROR\x1b[22m second\nfine\n');
      const second = await read({
        since: 'last',
        clean: true,
        grep: { pattern: 'ERROR|compiling', context: 0 },
      });
      expect(second).toMatchObject({ data: 'compiling 100%\nERROR second\n', matches: 2, omittedBytes: 0 });
      expect(second.data).not.toContain('first');
      expect(second.data).not.toContain('\x1b');
    });

    it('reports 0 matches and empty data when nothing unread matches', async () => {
      insertTask({ state: 'failed' });
      writeFileSync(log, 'a\nb\n');
      expect(await read({ since: 'last', grep: { pattern: 'zzz' } })).toMatchObject({
        data: '',
        matches: 0,
        nextOffset: 4,
      });
    });

    it('leaves the unfinished last line of a live task for the next grep read', async () => {
      insertTask({ state: 'running' });
      writeFileSync(log, 'ok 1\nERROR one\nERROR par');
      const first = await read({ since: 'last', grep: { pattern: 'ERROR' } });
      expect(first).toMatchObject({
        data: 'ERROR one\n',
        matches: 1,
        nextOffset: bytes('ok 1\nERROR one\n'),
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(bytes('ok 1\nERROR one\n'));

      appendFileSync(log, 'tial é\nok 2\n');
      expect(await read({ since: 'last', grep: { pattern: 'ERROR' } })).toMatchObject({
        data: 'ERROR partial é\n',
        matches: 1,
        nextOffset: bytes('ok 1\nERROR one\nERROR partial é\nok 2\n'),
      });
    });

    it('includes the unfinished last line once the task has ended', async () => {
      insertTask({ state: 'failed' });
      writeFileSync(log, 'ok\nERROR at the very end');
      expect(await read({ since: 'last', grep: { pattern: 'ERROR' } })).toMatchObject({
        data: 'ERROR at the very end\n',
        matches: 1,
        nextOffset: bytes('ok\nERROR at the very end'),
        ended: true,
      });
    });
  });
});
