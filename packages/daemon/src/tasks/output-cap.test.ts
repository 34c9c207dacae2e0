import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lineStartFrom } from './output-cap-file.js';

describe('lineStartFrom (where the kept part of a capped log starts)', () => {
  let dir: string;
  let log: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-cap-'));
    log = join(dir, 'output.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** lineStartFrom on a descriptor of `log`, as the enforcer opens it. */
  function startIn(path: string, from: number, size: number): number {
    const fd = openSync(path, 'r');
    try {
      return lineStartFrom(fd, from, size);
    } finally {
      closeSync(fd);
    }
  }

  it('moves a cut inside a line to the start of the next line', () => {
    writeFileSync(log, '192585\n192586\n192587\n');
    // Offset 9 is inside "192586": the kept log starts at "192587".
    expect(startIn(log, 9, 21)).toBe(14);
  });

  it('keeps a cut that already starts a line, and offset 0', () => {
    writeFileSync(log, 'one\ntwo\n');
    expect(startIn(log, 4, 8)).toBe(4);
    expect(startIn(log, 0, 8)).toBe(0);
  });

  it('keeps the cut when no line ends after it (one very long line) or the descriptor cannot be read', () => {
    writeFileSync(log, 'x'.repeat(100));
    expect(startIn(log, 10, 100)).toBe(10);
    expect(lineStartFrom(-1, 10, 100)).toBe(10);
  });
});
