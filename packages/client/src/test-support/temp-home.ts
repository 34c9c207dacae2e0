import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths, type TendPaths } from '@tend/protocol';
import { pollUntil } from '../../../../test/support/poll.mjs';
import { type OwnedProcess, ownership, signalIfOurs } from '../../../../test/support/processes.mjs';

/** A fresh TEND_HOME with its paths and an environment that points at it. */
export interface TempHome {
  dir: string;
  paths: TendPaths;
  env: Record<string, string | undefined>;
  /** File the fake daemon script appends its pid to on start (one line per process). */
  recordPath: string;
  /** Pids started by the test itself, killed by cleanup. */
  pids: number[];
  /** Pids the fake daemon script recorded. */
  recordedPids(): number[];
  /** SIGKILLs every recorded or registered process still ours, waits for it to go, removes the dir. */
  cleanup(): Promise<void>;
}

/** Creates a temp TEND_HOME under the OS temp dir (short, so the socket path fits). */
export function makeTempHome(): TempHome {
  const dir = mkdtempSync(join(tmpdir(), 'tend-c-'));
  const env: Record<string, string | undefined> = { ...process.env, TEND_HOME: dir };
  delete env.TEND_SOCKET;
  const recordPath = join(dir, 'started-pids');
  const home: TempHome = {
    dir,
    paths: resolvePaths({ env }),
    env,
    recordPath,
    pids: [],
    recordedPids: () =>
      existsSync(recordPath) ? readFileSync(recordPath, 'utf8').split('\n').filter(Boolean).map(Number) : [],
    async cleanup() {
      // Every process of the test runs with TEND_HOME=<dir> (home.env): a reused pid does not.
      const owned = [...new Set([...home.pids, ...home.recordedPids()])].map(
        (pid): OwnedProcess => ({ pid, envMarker: `TEND_HOME=${dir}` }),
      );
      for (const process of owned) signalIfOurs(process, 'SIGKILL');
      await pollUntil('recorded processes to exit', () => owned.every((p) => ownership(p) !== 'ours'), {
        timeoutMs: 5_000,
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return home;
}
