import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatStopMark } from '@tend/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonLockedError } from './lock.js';
import { refuseIfStoppedSince, StoppedMeanwhileError } from './stop-mark.js';

describe('stop mark (stopped.json)', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-stopmark-'));
    path = join(dir, 'stopped.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const mark = (pid: number, at: number) => writeFileSync(path, formatStopMark({ pid, stoppedAtMs: at }));

  it('refuses a start that began before a deliberate stop, and only such a start', () => {
    // performance.timeOrigin has a fraction of a ms; the mark has whole ms.
    const started = 1_700_000_000_000.6;
    expect(() => refuseIfStoppedSince(path, started)).not.toThrow();
    // The stop this start follows (`tend daemon stop`, then a command): serve.
    mark(4242, 1_700_000_000_000 - 1);
    expect(() => refuseIfStoppedSince(path, started)).not.toThrow();
    const now = 1_700_000_000_300;
    // A mark from the future: the clock was set back since; believing it would refuse every start until then.
    mark(4242, now + 1);
    expect(() => refuseIfStoppedSince(path, started, now)).not.toThrow();
    // A stop while this daemon loaded or waited for the lock, to the ms.
    for (const at of [1_700_000_000_000, 1_700_000_000_250, now]) {
      mark(4242, at);
      let refused: unknown;
      try {
        refuseIfStoppedSince(path, started, now);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(StoppedMeanwhileError);
      // For the client that spawned it, as a lost start race.
      expect(refused).toBeInstanceOf(DaemonLockedError);
      expect((refused as Error).message).toContain('(pid 4242) was stopped deliberately');
      expect((refused as Error).message).toContain(path);
    }
  });
});
