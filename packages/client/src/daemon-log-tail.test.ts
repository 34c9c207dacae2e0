import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAEMON_LOG_TAIL_LINES, readDaemonLogTail } from './daemon-log-tail.js';

describe('readDaemonLogTail', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-tail-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the last 20 non-empty lines of a longer log, oldest first', () => {
    const path = join(dir, 'daemon.log');
    writeFileSync(path, `${Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n')}\n\n`);
    const tail = readDaemonLogTail(path);
    expect(tail).toHaveLength(DAEMON_LOG_TAIL_LINES);
    expect(tail[0]).toBe('line 30');
    expect(tail.at(-1)).toBe('line 49');
  });

  it('drops the partial first line when the log is larger than the 64 KiB window', () => {
    const path = join(dir, 'daemon.log');
    writeFileSync(path, `${'x'.repeat(70 * 1024)}\nlast words\n`);
    expect(readDaemonLogTail(path)).toEqual(['last words']);
  });

  it('returns an empty array when the log does not exist', () => {
    expect(readDaemonLogTail(join(dir, 'missing.log'))).toEqual([]);
  });
});
