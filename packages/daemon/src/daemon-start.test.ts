import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePaths } from '@tend/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDaemon } from './daemon.js';
import { acquireDaemonLock } from './runtime/lock.js';

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
});
