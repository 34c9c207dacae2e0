import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

// Fixture of the readLogSelection tests (tasks/output-*.test.ts): a fresh log file path per test.

/** U+FFFD, what a decoder puts where it cut a character: a read must never produce it from valid UTF-8. */
export const REPLACEMENT = '\uFFFD';
/** A log mixing characters of every UTF-8 width: 'é' is 2 bytes, '日' 3 bytes, '😀' 4 bytes. */
export const MIXED = `aé日😀b\n😀😀é\nxyz日本語é😀\n${'é'.repeat(3)}😀a日`;

/** UTF-8 length of `text` in bytes. */
export const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** The running test's temporary directory. */
export let dir: string;
/** `<dir>/output.log`, not yet created. */
export let log: string;

/** Registers hooks that give each test a fresh `dir` and `log` path and remove them afterwards. */
export function useLogFile(): void {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-output-'));
    log = join(dir, 'output.log');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
}

/** Writes `content` as the whole log. */
export const write = (content: string | Buffer) => writeFileSync(log, content);
