import { appendFileSync, type FSWatcher, mkdtempSync, rmSync, statSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pollUntil } from '../../../../test/support/poll.mjs';
import { openDatabase } from '../store/db.js';
import { TaskStore } from '../store/task-store.js';
import { type CapOptions, OutputCapEnforcer } from './output-cap.js';
import { identityOf } from './output-cap-file.js';
import { TaskEvents } from './task-events.js';

/** Cap of the task under test, in bytes. */
const CAP = 65_536;

/** `bytes` bytes of numbered 12-byte lines. */
function chunk(bytes: number): string {
  let text = '';
  for (let n = 0; text.length < bytes; n++) text += `line-${String(n).padStart(6, '0')}\n`;
  return text;
}

describe('OutputCapEnforcer measures a log after it is written', () => {
  let dir: string;
  let db: Database.Database;
  let store: TaskStore;
  let events: TaskEvents;
  let logPath: string;
  let enforcer: OutputCapEnforcer | undefined;
  let watches: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-capwatch-'));
    db = openDatabase(join(dir, 'tend.db'));
    store = new TaskStore(db);
    events = new TaskEvents(store);
    logPath = join(dir, 'output.log');
    appendFileSync(logPath, 'first line\n');
    watches = 0;
  });

  afterEach(() => {
    enforcer?.stop();
    enforcer = undefined;
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts an enforcer (with `options`) for one running task with a cap of {@link CAP}. */
  function startEnforcer(options: CapOptions): void {
    const identity = identityOf(statSync(logPath));
    const logger = { warn: vi.fn() } as unknown as Logger;
    const host = Object.assign(events, { logIdentity: () => identity });
    enforcer = new OutputCapEnforcer(host, logger, { intervalMs: 50, ...options });
    store.insert({
      id: 'capw0001',
      command: 'yes',
      cwd: dir,
      env: {},
      inheritEnv: true,
      state: 'running',
      createdAt: 1_000,
      logPath,
      outputBytes: 0,
      outputCap: CAP,
      droppedBytes: 0,
    });
    enforcer.start();
  }

  const diskUse = (): number => statSync(logPath).blocks * 512;

  it('trims a log that grows past its cap after a quiet spell, seen through its inotify watch', async () => {
    startEnforcer({
      watchLog: (path, onWrite) => {
        watches++;
        return watch(path, { persistent: false }, onWrite);
      },
    });
    await pollUntil('the log watched', () => watches >= 1);
    const armed = watches;
    appendFileSync(logPath, chunk(4 * CAP));
    await pollUntil('the log trimmed under its cap', () => (store.get('capw0001')?.droppedBytes ?? 0) > 0);
    await pollUntil('disk use back under the cap', () => diskUse() <= CAP + 4096);
    expect(watches).toBeGreaterThan(armed);
    // Written again later: measured and trimmed again.
    const dropped = store.get('capw0001')?.droppedBytes ?? 0;
    appendFileSync(logPath, chunk(2 * CAP));
    await pollUntil(
      'the second trim',
      () => (store.get('capw0001')?.droppedBytes ?? 0) > dropped && diskUse() <= CAP + 4096,
    );
  });

  it('polls a log it cannot watch (inotify watch limit reached) and still trims it', async () => {
    startEnforcer({
      watchLog: () => {
        watches++;
        throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
          code: 'ENOSPC',
        });
      },
    });
    await pollUntil('a watch tried', () => watches >= 1);
    appendFileSync(logPath, chunk(4 * CAP));
    await pollUntil('the log trimmed under its cap', () => (store.get('capw0001')?.droppedBytes ?? 0) > 0);
    await pollUntil('disk use back under the cap', () => diskUse() <= CAP + 4096);
  });

  it('stops watching the log once the task has ended', async () => {
    const open: FSWatcher[] = [];
    startEnforcer({
      watchLog: (path, onWrite) => {
        const watcher = watch(path, { persistent: false }, onWrite);
        open.push(watcher);
        return watcher;
      },
    });
    await pollUntil('the log watched', () => open.length >= 1);
    const closed = vi.fn();
    for (const watcher of open) watcher.on('close', closed);
    store.update('capw0001', { state: 'succeeded', exitCode: 0, endedAt: 2_000 });
    events.changed('capw0001');
    await pollUntil('the watch closed', () => closed.mock.calls.length === 1);
  });
});
