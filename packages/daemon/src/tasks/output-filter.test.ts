import { describe, expect, it } from 'vitest';
import { cleanText, grepLines, headAndTail, omissionMarker, onLineBoundaries } from './output-filter.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const REPLACEMENT = '\uFFFD';
const MARKER = /\[… (\d+) bytes omitted by tend …\]\n/;

/**
 * Splits a headAndTail result at its marker line: [head, bytes the marker names, tail].
 * The marker starts with its own newline when the head does not end a line
 * (`headEndsLine: false`); that newline is not part of the head.
 */
function splitAtMarker(text: string, headEndsLine: boolean): [string, number, string] {
  const match = MARKER.exec(text);
  if (!match) throw new Error(`no omission marker in ${JSON.stringify(text)}`);
  let head = text.slice(0, match.index);
  if (!headEndsLine && head !== '') {
    expect(head.endsWith('\n'), 'marker starts on a line of its own').toBe(true);
    head = head.slice(0, -1);
  }
  return [head, Number(match[1]), text.slice(match.index + match[0].length)];
}

describe('cleanText', () => {
  it('removes ANSI color sequences and keeps the text they colored', () => {
    expect(cleanText('\x1b[31merror\x1b[0m: \x1b[1;32mbuild\x1b[22m ok\n')).toBe('error: build ok\n');
  });

  it('removes cursor movement and erase-line sequences', () => {
    expect(cleanText('\x1b[2K\x1b[1Gline one\n\x1b[1A\x1b[2Kline two\n')).toBe('line one\nline two\n');
  });

  it('keeps only the last state of a line redrawn with carriage returns, as a progress bar ends', () => {
    expect(cleanText('downloading 10%\rdownloading 50%\rdownloading 100%\ndone\n')).toBe(
      'downloading 100%\ndone\n',
    );
  });

  it('handles a progress bar that is both colored and redrawn', () => {
    expect(cleanText('\x1b[32m[#   ]\x1b[0m\r\x1b[32m[##  ]\x1b[0m\r\x1b[32m[####]\x1b[0m\n')).toBe(
      '[####]\n',
    );
  });

  it('turns CRLF line ends into LF without dropping the line before them', () => {
    expect(cleanText('first\r\nsecond\r\nthird')).toBe('first\nsecond\nthird');
  });

  it('keeps the last state of a redrawn line that ends with CRLF', () => {
    expect(cleanText('50%\r100%\r\nnext\r\n')).toBe('100%\nnext\n');
  });

  it('returns text without escapes or carriage returns unchanged, including multi-byte characters and empty lines', () => {
    const plain = 'aé日😀b\n\n  indented\ttab\nlast line without newline';
    expect(cleanText(plain)).toBe(plain);
    expect(cleanText('')).toBe('');
  });
});

describe('grepLines', () => {
  const LOG = [
    'one',
    'two ERROR a',
    'three',
    'four',
    'five',
    'six',
    'seven error b',
    'eight',
    'nine',
    '',
  ].join('\n');

  it('keeps only the matching lines and counts them', () => {
    expect(grepLines(LOG, { pattern: 'ERROR', context: 0, ignoreCase: false })).toStrictEqual({
      text: 'two ERROR a\n',
      matches: 1,
    });
  });

  it('matches regardless of case with ignoreCase', () => {
    expect(grepLines(LOG, { pattern: 'error', context: 0, ignoreCase: true })).toStrictEqual({
      text: 'two ERROR a\nseven error b\n',
      matches: 2,
    });
  });

  it('treats the pattern as a regular expression', () => {
    expect(grepLines(LOG, { pattern: '^(one|nine)$', context: 0, ignoreCase: false })).toStrictEqual({
      text: 'one\nnine\n',
      matches: 2,
    });
  });

  it('keeps context lines around each match and separates groups that do not touch with a -- line', () => {
    expect(grepLines(LOG, { pattern: 'error', context: 1, ignoreCase: true })).toStrictEqual({
      text: 'one\ntwo ERROR a\nthree\n--\nsix\nseven error b\neight\n',
      matches: 2,
    });
  });

  it('merges groups whose context overlaps into one group without a separator', () => {
    expect(grepLines(LOG, { pattern: 'error', context: 2, ignoreCase: true })).toStrictEqual({
      text: 'one\ntwo ERROR a\nthree\nfour\nfive\nsix\nseven error b\neight\nnine\n',
      matches: 2,
    });
  });

  it('merges groups that are adjacent (no line between them) without a separator, as grep -C does', () => {
    const text = 'a\nMATCH\nb\nc\nMATCH\nd\n';
    // Context 1: lines 0-2 and 3-5 touch, so no "--" between them.
    expect(grepLines(text, { pattern: 'MATCH', context: 1, ignoreCase: false }).text).toBe(
      'a\nMATCH\nb\nc\nMATCH\nd\n',
    );
  });

  it('counts each matching line and, without context, separates nothing (as grep(1) does)', () => {
    expect(grepLines('x1\nx2\ny\nx3\n', { pattern: '^x', context: 0, ignoreCase: false })).toStrictEqual({
      text: 'x1\nx2\nx3\n',
      matches: 3,
    });
  });

  it('clips context at the first and last line', () => {
    expect(grepLines('hit\nb\nc\nhit2\n', { pattern: 'hit', context: 5, ignoreCase: false })).toStrictEqual({
      text: 'hit\nb\nc\nhit2\n',
      matches: 2,
    });
  });

  it("returns '' and 0 when no line matches", () => {
    expect(grepLines(LOG, { pattern: 'warning', context: 3, ignoreCase: true })).toStrictEqual({
      text: '',
      matches: 0,
    });
    expect(grepLines('', { pattern: 'x', context: 0, ignoreCase: false })).toStrictEqual({
      text: '',
      matches: 0,
    });
  });

  it('matches a last line that has no newline and ends the kept text with one', () => {
    expect(
      grepLines('alpha\nbeta\ngamma', { pattern: 'gamma', context: 1, ignoreCase: false }),
    ).toStrictEqual({
      text: 'beta\ngamma\n',
      matches: 1,
    });
  });

  it('does not count the empty string after a final newline as a line', () => {
    expect(grepLines('a\nb\n', { pattern: '^$', context: 0, ignoreCase: false })).toStrictEqual({
      text: '',
      matches: 0,
    });
    expect(grepLines('a\n\nb\n', { pattern: '^$', context: 0, ignoreCase: false })).toStrictEqual({
      text: '\n',
      matches: 1,
    });
  });
});

describe('omissionMarker', () => {
  it('is one line naming the bytes left out', () => {
    expect(omissionMarker(1234, 'head\n')).toBe('[… 1234 bytes omitted by tend …]\n');
  });

  it('starts on a new line when the head does not end with one', () => {
    expect(omissionMarker(7, 'cut head')).toBe('\n[… 7 bytes omitted by tend …]\n');
  });

  it('does not add a newline before it when the head is empty', () => {
    expect(omissionMarker(7, '')).toBe('[… 7 bytes omitted by tend …]\n');
  });
});

describe('onLineBoundaries', () => {
  it('trims the head back to its last line end and the tail forward past its first', () => {
    expect(onLineBoundaries('l1\nl2\npart', 'ial\nl8\nl9\n')).toStrictEqual(['l1\nl2\n', 'l8\nl9\n']);
  });

  it('keeps a head that already ends with a newline whole', () => {
    expect(onLineBoundaries('l1\nl2\n', 'x\ny\n')[0]).toBe('l1\nl2\n');
  });

  it('keeps a head or tail without any newline whole rather than leave nothing', () => {
    expect(onLineBoundaries('no newline here', 'nor here')).toStrictEqual(['no newline here', 'nor here']);
  });

  it('keeps a tail whose only newline is its last character whole rather than leave nothing', () => {
    expect(onLineBoundaries('h\n', 'end of a line\n')).toStrictEqual(['h\n', 'end of a line\n']);
  });
});

describe('headAndTail', () => {
  it('returns text that fits unchanged with 0 bytes omitted', () => {
    const text = 'aé日😀\n'.repeat(10);
    expect(headAndTail(text, bytes(text))).toStrictEqual({ text, omittedBytes: 0 });
    expect(headAndTail(text, 10_000)).toStrictEqual({ text, omittedBytes: 0 });
    expect(headAndTail('', 256)).toStrictEqual({ text: '', omittedBytes: 0 });
  });

  it('keeps whole lines of head and tail around a marker when the text is too long', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(3, '0')}`);
    const text = `${lines.join('\n')}\n`; // 100 lines of 9 bytes each = 900 bytes
    const { text: out, omittedBytes } = headAndTail(text, 100);
    const [head, named, tail] = splitAtMarker(out, true);
    // Half is 50 bytes: 5 whole lines (45 bytes) in the head; the last 50 bytes hold 5 whole lines and a cut one.
    expect(head).toBe(
      lines
        .slice(0, 5)
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect(tail).toBe(
      lines
        .slice(95)
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect(named).toBe(omittedBytes);
    expect(bytes(head) + bytes(tail) + omittedBytes).toBe(bytes(text));
    expect(omittedBytes).toBe(900 - 45 - 45);
  });

  it('keeps the head and tail within maxBytes, the marker aside', () => {
    const text = 'x'.repeat(5_000);
    const { text: out, omittedBytes } = headAndTail(text, 300);
    const [head, , tail] = splitAtMarker(out, false);
    expect(head).toBe('x'.repeat(150));
    expect(tail).toBe('x'.repeat(150));
    expect(omittedBytes).toBe(4_700);
  });

  it.each([
    ['é', 2],
    ['日', 3],
    ['😀', 4],
  ])('never splits the %s character (%i bytes) at either cut, for every maxBytes', (char) => {
    const text = `${char.repeat(40)}`;
    const total = bytes(text);
    for (let maxBytes = 1; maxBytes < total; maxBytes++) {
      const { text: out, omittedBytes } = headAndTail(text, maxBytes);
      expect(out, `maxBytes ${maxBytes}`).not.toContain(REPLACEMENT);
      const [head, named, tail] = splitAtMarker(out, false);
      expect(head.replaceAll(char, ''), `head at maxBytes ${maxBytes}`).toBe('');
      expect(tail.replaceAll(char, ''), `tail at maxBytes ${maxBytes}`).toBe('');
      expect(bytes(head), `head at maxBytes ${maxBytes}`).toBeLessThanOrEqual(Math.floor(maxBytes / 2));
      expect(bytes(tail), `tail at maxBytes ${maxBytes}`).toBeLessThanOrEqual(Math.floor(maxBytes / 2));
      expect(named).toBe(omittedBytes);
      expect(bytes(head) + bytes(tail) + omittedBytes, `sum at maxBytes ${maxBytes}`).toBe(total);
    }
  });

  it('accounts for every byte of a mixed multi-byte text with lines: head + tail + omitted = total', () => {
    const text = Array.from(
      { length: 60 },
      (_, i) => `${i} aé日😀 ${'é'.repeat(i % 7)}${'😀'.repeat(i % 3)}`,
    ).join('\n');
    const total = bytes(text);
    for (const maxBytes of [256, 300, 301, 512, 777, 1024]) {
      const { text: out, omittedBytes } = headAndTail(text, maxBytes);
      expect(out).not.toContain(REPLACEMENT);
      const [head, named, tail] = splitAtMarker(out, true);
      expect(named).toBe(omittedBytes);
      expect(bytes(head) + bytes(tail) + omittedBytes, `maxBytes ${maxBytes}`).toBe(total);
      // Newlines exist within both halves here, so neither shows a cut line.
      expect(head.endsWith('\n'), `head at maxBytes ${maxBytes}`).toBe(true);
      expect(text.startsWith(head)).toBe(true);
      expect(text.endsWith(tail)).toBe(true);
      const tailStart = total - bytes(tail);
      expect(
        Buffer.from(text)
          .subarray(tailStart - 1, tailStart)
          .toString(),
        `tail start at maxBytes ${maxBytes}`,
      ).toBe('\n');
    }
  });

  it('keeps the first line of the tail when the tail window starts exactly at a line start (nothing was cut)', () => {
    // 30 bytes, maxBytes 20: the head is bytes 0-9 ("aaaa\nbbbb\n"), the tail bytes 20-29 ("eeee\nffff\n"), both whole lines.
    const { text, omittedBytes } = headAndTail('aaaa\nbbbb\ncccc\ndddd\neeee\nffff\n', 20);
    expect(text).toBe('aaaa\nbbbb\n[… 10 bytes omitted by tend …]\neeee\nffff\n');
    expect(omittedBytes).toBe(10);
  });

  it('keeps a cut line whole rather than leave the head empty when the head holds no newline', () => {
    const text = `${'a'.repeat(200)}\n${'b'.repeat(200)}`;
    const { text: out, omittedBytes } = headAndTail(text, 100);
    const [head, , tail] = splitAtMarker(out, false);
    expect(head).toBe('a'.repeat(50));
    expect(tail).toBe('b'.repeat(50));
    expect(out).toBe(`${'a'.repeat(50)}\n[… ${omittedBytes} bytes omitted by tend …]\n${'b'.repeat(50)}`);
    expect(omittedBytes).toBe(401 - 100);
  });
});
