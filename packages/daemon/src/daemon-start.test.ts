import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePaths } from '@tend/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDaemon } from './daemon.js';
import { acquireDaemonLock } from './runtime/lock.js';
import { StoppedMeanwhileError } from './runtime/stop-mark.js';

describe('startDaemon failing half-way', () => {
  let home: string;
  let env: Record<string, string>;

  beforeEach(() => {
    // Short: the socket lives under it.
    home = mkdtempSync('/tmp/tend-');
    env = { TEND_HOME: home };
  });

  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  /** Both locks can be taken (and are given back at once): no daemon holds them. */
  function expectLocksFree(): void {
    const paths = resolvePaths({ env });
    for (const path of [paths.lockPath, join(paths.stateDir, 'daemon.lock')])
      acquireDaemonLock(path).release();
  }

  it('releases the locks when the database cannot be opened, so that the next start succeeds', async () => {
    const paths = resolvePaths({ env });
    mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(paths.dbPath, 'this is not an SQLite database\n'.repeat(64), { mode: 0o600 });

    await expect(startDaemon({ env })).rejects.toThrow(/not a database/);
    expectLocksFree();

    rmSync(paths.dbPath);
    const daemon = await startDaemon({ env });
    await daemon.shutdown({ restart: true });
    await daemon.closed;
  });

  it('releases the locks when config.json is invalid, so that the next start succeeds', async () => {
    const paths = resolvePaths({ env });
    mkdirSync(paths.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(paths.configPath, '{ "killGraceMs": "soon" ');

    await expect(startDaemon({ env })).rejects.toThrow(/config\.json/);
    expectLocksFree();

    rmSync(paths.configPath);
    const daemon = await startDaemon({ env });
    await daemon.shutdown({ restart: true });
    await daemon.closed;
  });

  it('does not serve when a daemon was stopped deliberately after this start began (a start race loser), and releases the locks', async () => {
    // This start began, then another daemon was stopped on purpose: daemon/shutdown without restart.
    const startedAtMs = Date.now();
    const first = await startDaemon({ env });
    await first.shutdown();
    await first.closed;

    let refused: unknown;
    try {
      await startDaemon({ env, startedAtMs });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(StoppedMeanwhileError);
    expect((refused as Error).message).toContain(`(pid ${process.pid}) was stopped deliberately`);
    expectLocksFree();

    // A start after the stop serves (and clears the mark, so that clients reconnect to it).
    const next = await startDaemon({ env });
    expect(existsSync(resolvePaths({ env }).stoppedPath)).toBe(false);
    await next.shutdown({ restart: true });
    await next.closed;
  });
});
