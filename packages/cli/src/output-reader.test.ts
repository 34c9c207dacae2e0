import { describe, expect, it } from 'vitest';
import {
  countLines,
  indexAfterLine,
  readSelection,
  readSince,
  type OutputRead,
  type ReadFn,
  type ReadParams,
  type Selection,
} from './output-reader.js';

/**
 * An in-memory ASCII log that answers reads as the daemon's task/output is
 * documented to: offset and head reads stop at `limit` (resume at nextOffset),
 * tail reads keep the newest `limit` bytes; `truncated` says the selection was cut.
 */
function fakeLog(text: string): { read: ReadFn; calls: ReadParams[] } {
  const total = text.length;
  const calls: ReadParams[] = [];
  const answer = (start: number, end: number, limit: number, fromTail: boolean): OutputRead => {
    const truncated = end - start > limit;
    const [from, to] = !truncated ? [start, end] : fromTail ? [end - limit, end] : [start, start + limit];
    return {
      data: text.slice(from, to),
      offset: from,
      nextOffset: to,
      totalBytes: total,
      skippedBytes: 0,
      omittedBytes: 0,
      truncated,
      ended: true,
    };
  };
  const read: ReadFn = async (params) => {
    calls.push(params);
    if (params.head) return answer(0, indexAfterLine(text, params.head.lines) ?? total, params.limit, false);
    if (params.tail && 'bytes' in params.tail)
      return answer(Math.max(0, total - params.tail.bytes), total, params.limit, true);
    if (params.tail) {
      let cut = text.endsWith('\n') ? total - 1 : total;
      for (let seen = 0; seen < params.tail.lines && cut >= 0; seen++)
        cut = cut === 0 ? -1 : text.lastIndexOf('\n', cut - 1);
      return answer(cut + 1, total, params.limit, true);
    }
    const offset = Math.min(params.offset ?? 0, total);
    return answer(offset, total, params.limit, false);
  };
  return { read, calls };
}

async function select(
  text: string,
  selection: Selection,
  pageBytes: number,
): Promise<{ data: string; reads: number; last: OutputRead }> {
  const { read, calls } = fakeLog(text);
  let data = '';
  const last = await readSelection(
    read,
    selection,
    async (chunk) => {
      data += chunk.data;
    },
    pageBytes,
  );
  return { data, reads: calls.length, last };
}

const LOG = Array.from({ length: 12 }, (_, i) => `line ${i + 1}\n`).join('');

describe('readSelection', () => {
  it('reads the whole log in pages until the end', async () => {
    const { data, reads, last } = await select(LOG, { kind: 'whole' }, 10);
    expect(data).toBe(LOG);
    expect(reads).toBe(Math.ceil(LOG.length / 10));
    expect(last.nextOffset).toBe(LOG.length);
  });

  it('reads an empty log with one read', async () => {
    expect(await select('', { kind: 'whole' }, 10)).toMatchObject({ data: '', reads: 1 });
  });

  it('reads the first lines, continuing past a truncated head read and cutting after the last line asked for', async () => {
    expect((await select(LOG, { kind: 'head-lines', lines: 5 }, 8)).data).toBe(
      'line 1\nline 2\nline 3\nline 4\nline 5\n',
    );
    expect((await select(LOG, { kind: 'head-lines', lines: 2 }, 1024)).data).toBe('line 1\nline 2\n');
    expect((await select(LOG, { kind: 'head-lines', lines: 50 }, 8)).data).toBe(LOG);
  });

  it('reads the last lines in one read when they fit', async () => {
    const result = await select(LOG, { kind: 'tail-lines', lines: 2 }, 1024);
    expect(result).toMatchObject({ data: 'line 11\nline 12\n', reads: 1 });
  });

  it('finds the start of the last lines by reading backwards when they do not fit in one read', async () => {
    const { data, last } = await select(LOG, { kind: 'tail-lines', lines: 7 }, 9);
    expect(data).toBe(LOG.split('\n').slice(5).join('\n'));
    expect(last).toMatchObject({
      nextOffset: LOG.length,
      offset: LOG.length - data.length,
      truncated: false,
    });
  });

  it('returns the whole log when it has fewer lines than asked, however small the pages', async () => {
    expect((await select(LOG, { kind: 'tail-lines', lines: 100 }, 5)).data).toBe(LOG);
  });

  it('counts a last line without a line end as a line', async () => {
    expect((await select('a\nb\nc', { kind: 'tail-lines', lines: 2 }, 2)).data).toBe('b\nc');
    expect((await select('a\nb\nc', { kind: 'tail-lines', lines: 2 }, 100)).data).toBe('b\nc');
  });

  it('prints nothing for zero lines', async () => {
    expect((await select(LOG, { kind: 'tail-lines', lines: 0 }, 4)).data).toBe('');
    expect((await select(LOG, { kind: 'head-lines', lines: 0 }, 4)).data).toBe('');
  });

  it('reads the last bytes forward from their start when they do not fit in one read', async () => {
    expect((await select(LOG, { kind: 'tail-bytes', bytes: 20 }, 6)).data).toBe(LOG.slice(-20));
    expect((await select(LOG, { kind: 'tail-bytes', bytes: 20 }, 100)).data).toBe(LOG.slice(-20));
    expect((await select(LOG, { kind: 'tail-bytes', bytes: 1000 }, 7)).data).toBe(LOG);
  });
});

describe('readSince', () => {
  /** A log whose reader cursors move as task/output with since "last" moves them. */
  function cursorLog(text: string) {
    const cursors = new Map<string, number>();
    const calls: ReadParams[] = [];
    const read: ReadFn = async (params) => {
      calls.push(params);
      const from = cursors.get(params.reader!) ?? 0;
      const to = Math.min(text.length, from + params.limit);
      cursors.set(params.reader!, to);
      return {
        data: text.slice(from, to),
        offset: from,
        nextOffset: to,
        totalBytes: text.length,
        skippedBytes: 0,
        truncated: to < text.length,
        ended: true,
        omittedBytes: 0,
      };
    };
    return { read, calls, cursors };
  }

  it('reads in pages from the cursor to the end, and a second call finds nothing new', async () => {
    const log = cursorLog('0123456789abc');
    const seen: string[] = [];
    const last = await readSince(log.read, 'me', async (r) => void seen.push(r.data), 5);
    expect(seen.join('')).toBe('0123456789abc');
    expect(last.nextOffset).toBe(13);
    expect(log.calls.every((c) => c.since === 'last' && c.reader === 'me')).toBe(true);
    const again: string[] = [];
    await readSince(log.read, 'me', async (r) => void again.push(r.data), 5);
    expect(again.join('')).toBe('');
  });

  it('keeps one cursor per reader', async () => {
    const log = cursorLog('hello\n');
    await readSince(log.read, 'a', async () => undefined, 100);
    const seen: string[] = [];
    await readSince(log.read, 'b', async (r) => void seen.push(r.data), 100);
    expect(seen.join('')).toBe('hello\n');
  });
});

describe('line helpers', () => {
  it('counts line ends', () => {
    expect(countLines('')).toBe(0);
    expect(countLines('a\nb')).toBe(1);
    expect(countLines('a\nb\n')).toBe(2);
  });

  it('finds the index after the nth line end', () => {
    expect(indexAfterLine('a\nb\nc', 1)).toBe(2);
    expect(indexAfterLine('a\nb\nc', 2)).toBe(4);
    expect(indexAfterLine('a\nb\nc', 3)).toBeUndefined();
  });
});
