import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths, type TendPaths } from '@tend/protocol';

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
  /** SIGKILLs every recorded or registered process still alive, waits for it to go, removes the dir. */
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
      const pids = new Set([...home.pids, ...home.recordedPids()]);
      for (const pid of pids) {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
      await waitFor(() => [...pids].every((pid) => !isAlive(pid)), 5_000, 'recorded processes to exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return home;
}

/** True while process `pid` exists (zombies included). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls `check` every 10 ms until it returns true; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
