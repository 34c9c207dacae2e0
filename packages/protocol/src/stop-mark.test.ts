import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatStopMark, readStopMark } from './stop-mark.js';

describe('stop mark (stopped.json)', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-stopmark-'));
    path = join(dir, 'stopped.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what a stopping daemon writes; nothing for a missing, partial or foreign file', () => {
    expect(readStopMark(path)).toBeUndefined();
    writeFileSync(path, formatStopMark({ pid: 4242, stoppedAtMs: 1_700_000_000_123 }));
    expect(readFileSync(path, 'utf8')).toBe('{"pid":4242,"stoppedAt":"2023-11-14T22:13:20.123Z"}\n');
    expect(readStopMark(path)).toStrictEqual({ pid: 4242, stoppedAtMs: 1_700_000_000_123 });
    writeFileSync(path, '{"pid": 42');
    expect(readStopMark(path)).toBeUndefined();
    writeFileSync(path, '{"pid": "42", "stoppedAt": "yesterday"}');
    expect(readStopMark(path)).toBeUndefined();
  });
});
