import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DaemonUnreachableError, TendClient } from '../packages/client/dist/index.js';
import { DAEMON_BIN } from './daemon-harness.js';

let home: string | undefined;

afterEach(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

it('shows why an auto-started daemon could not start even when the daemon log cannot be written', async () => {
  home = mkdtempSync('/tmp/tend-se-');
  // The daemon refuses this home (group-writable); its log, where it says so, is a full disk.
  chmodSync(home, 0o775);
  mkdirSync(join(home, 'state'), { mode: 0o700 });
  symlinkSync('/dev/full', join(home, 'state', 'daemon.log'));
  const failure = await TendClient.connect({
    env: { ...process.env, TEND_HOME: home },
    daemonCommand: [process.execPath, DAEMON_BIN],
    timeoutMs: 15_000,
  }).then(
    async (client) => {
      await client.close();
      return undefined;
    },
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(DaemonUnreachableError);
  const message = (failure as Error).message;
  expect(message).toContain('ended with exit code 1: tend daemon: could not start:');
  expect(message).toContain(`refusing to use ${home}: it is writable by its group (mode 0775)`);
});
