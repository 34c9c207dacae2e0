import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastLines, TAIL_BYTES, TAIL_LINES } from './last-lines.js';

describe('lastLines', () => {
  let dir: string;
  let log: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-tail-'));
    log = join(dir, 'output.log');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const numbered = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `line ${from + i}`);

  it('keeps 10 lines and 2 KiB', () => {
    expect(TAIL_LINES).toBe(10);
    expect(TAIL_BYTES).toBe(2048);
  });

  it('returns the last 10 lines without the final newline', () => {
    writeFileSync(log, `${numbered(0, 30).join('\n')}\n`);
    expect(lastLines(log)).toBe(numbered(20, 30).join('\n'));
  });

  it('returns every line of a log shorter than 10 lines, including a last line without newline', () => {
    writeFileSync(log, 'first\nsecond\nthird without newline');
    expect(lastLines(log)).toBe('first\nsecond\nthird without newline');
  });

  it('removes ANSI sequences and keeps only the last state of redrawn lines', () => {
    writeFileSync(log, '\x1b[32mok\x1b[0m\r\n10%\r55%\r100%\n\x1b[1;31merror:\x1b[0m failed\n');
    expect(lastLines(log)).toBe('ok\n100%\nerror: failed');
  });

  it('drops the first line of the 2 KiB window when the window starts in the middle of the log', () => {
    // 6 lines of 701 bytes (4206): the window of 2048 bytes starts 55 bytes into line 3, so only lines 4 and 5 are whole.
    const long = Array.from({ length: 6 }, (_, i) => `${i}${'x'.repeat(699)}`);
    writeFileSync(log, `${long.join('\n')}\n`);
    expect(lastLines(log).split('\n')).toStrictEqual(long.slice(4));
  });

  it('keeps the first line of the window when the window starts exactly at a line start (nothing was cut)', () => {
    // Three lines of 1024 bytes: the 2048-byte window starts exactly at the start of line 1.
    const lines = ['0', '1', '2'].map((c) => c.repeat(1023));
    writeFileSync(log, `${lines.join('\n')}\n`);
    expect(lastLines(log)).toBe(`${lines[1]}\n${lines[2]}`);
  });

  it('keeps a single cut line rather than return nothing when the window holds no line start', () => {
    writeFileSync(log, 'x'.repeat(5_000));
    expect(lastLines(log)).toBe('x'.repeat(TAIL_BYTES));
  });

  it('never starts or ends inside a multi-byte character', () => {
    // 'é' is 2 bytes, '日' 3, '😀' 4: a one-line log of 4001 bytes puts the window start inside a character.
    const text = `a${'😀日é'.repeat(444)}`;
    writeFileSync(log, text);
    const got = lastLines(log);
    expect(got).not.toContain('\uFFFD');
    expect(text.endsWith(got)).toBe(true);
    expect(Buffer.byteLength(got)).toBeGreaterThan(TAIL_BYTES - 4);
  });

  it('reads nothing before droppedBytes, and shows the first kept line when the window starts at droppedBytes', () => {
    writeFileSync(log, 'dropped one\ndropped two\nkept one\nkept two\n');
    const droppedBytes = Buffer.byteLength('dropped one\ndropped two\n');
    expect(lastLines(log, droppedBytes)).toBe('kept one\nkept two');
    expect(lastLines(log, Buffer.byteLength('dropped one\ndropped two\nkept one\n'))).toBe('kept two');
    expect(lastLines(log, Buffer.byteLength('dropped one\ndropped two\nkept one\nkept two\n'))).toBe('');
  });

  it("returns '' for a log that does not exist or is empty", () => {
    expect(lastLines(join(dir, 'missing.log'))).toBe('');
    writeFileSync(log, '');
    expect(lastLines(log)).toBe('');
  });
});
