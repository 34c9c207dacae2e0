import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireDaemonLock, DaemonLockedError, type DaemonLock } from './lock.js';
import { pollUntil } from '../../../../test/support/poll.mjs';

// SQLite's fcntl locks belong to the process, so the competing acquirer must be another process.
// It runs the built module (build with `npx tsc -b packages/daemon`).
const BUILT_LOCK = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/runtime/lock.js');

/** What a child's attempt to take the lock printed. */
interface Attempt {
  ok: boolean;
  name?: string;
  message?: string;
}

/** Source of a child that tries the lock once, prints an {@link Attempt} as JSON and exits. */
const tryOnce = (lockPath: string) => `
  const { acquireDaemonLock } = await import(${JSON.stringify(pathToFileURL(BUILT_LOCK).href)});
  try {
    acquireDaemonLock(${JSON.stringify(lockPath)}).release();
    console.log(JSON.stringify({ ok: true }));
  } catch (error) {
    console.log(JSON.stringify({ ok: false, name: error.name, message: error.message }));
  }
`;

/** Source of a child that takes the lock, prints "held" and keeps it until killed. */
const holdForever = (lockPath: string) => `
  const { acquireDaemonLock } = await import(${JSON.stringify(pathToFileURL(BUILT_LOCK).href)});
  globalThis.lock = acquireDaemonLock(${JSON.stringify(lockPath)});
  console.log('held');
  setInterval(() => {}, 60_000);
`;

/**
 * Source of a child that prints "ready", spins until `goPath` exists (both racers then try within
 * microseconds of each other, on the two cores), tries the lock once, prints an {@link Attempt} as JSON,
 * and holds the lock (if taken) until killed.
 */
const tryAndHold = (lockPath: string, goPath: string) => `
  const { existsSync } = await import('node:fs');
  const { acquireDaemonLock } = await import(${JSON.stringify(pathToFileURL(BUILT_LOCK).href)});
  console.log('ready');
  while (!existsSync(${JSON.stringify(goPath)})) {}
  try {
    globalThis.lock = acquireDaemonLock(${JSON.stringify(lockPath)});
    console.log(JSON.stringify({ ok: true }));
    setInterval(() => {}, 60_000);
  } catch (error) {
    console.log(JSON.stringify({ ok: false, name: error.name, message: error.message }));
  }
`;

function runNode(source: string): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  return Object.assign(child, { output: () => stdout + (stderr ? `\n[stderr] ${stderr}` : '') });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Runs a child that tries the lock once and returns what it found. */
async function attemptInChild(lockPath: string): Promise<Attempt> {
  const child = runNode(tryOnce(lockPath));
  const { code } = await exited(child);
  expect(code, child.output()).toBe(0);
  return JSON.parse(child.output().trim()) as Attempt;
}

describe('acquireDaemonLock', () => {
  let dir: string;
  let lockPath: string;
  const locks: DaemonLock[] = [];
  const children: ChildProcess[] = [];

  beforeAll(() => {
    if (!existsSync(BUILT_LOCK))
      throw new Error(`${BUILT_LOCK} is missing; run \`npx tsc -b packages/daemon\` first`);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-lock-'));
    lockPath = join(dir, 'daemon.lock');
  });

  afterEach(async () => {
    for (const lock of locks.splice(0)) lock.release();
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the lock file with mode 0600', () => {
    locks.push(acquireDaemonLock(lockPath));
    expect(statSync(lockPath).mode & 0o777).toBe(0o600);
  });

  it('refuses another process with DaemonLockedError while held, and lets it in after release', async () => {
    const lock = acquireDaemonLock(lockPath);
    locks.push(lock);
    const blocked = await attemptInChild(lockPath);
    expect(blocked).toStrictEqual({
      ok: false,
      name: 'DaemonLockedError',
      message: `another tend daemon holds ${lockPath}`,
    });

    lock.release();
    expect(await attemptInChild(lockPath)).toStrictEqual({ ok: true });
  });

  it('can be released twice without error', () => {
    const lock = acquireDaemonLock(lockPath);
    lock.release();
    expect(() => lock.release()).not.toThrow();
  });

  it('is free at once after the process holding it is killed with SIGKILL', async () => {
    const holder = runNode(holdForever(lockPath));
    children.push(holder);
    await pollUntil(`the child to take the lock (output: ${holder.output()})`, () =>
      holder.output().includes('held'),
    );

    // While the child holds it, this process is refused.
    let refused: unknown;
    try {
      locks.push(acquireDaemonLock(lockPath));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DaemonLockedError);

    expect(process.kill(holder.pid as number, 'SIGKILL')).toBe(true);
    expect(await exited(holder)).toStrictEqual({ code: null, signal: 'SIGKILL' });
    const lock = acquireDaemonLock(lockPath);
    locks.push(lock);
    // And now this process holds it: another process is refused.
    expect((await attemptInChild(lockPath)).name).toBe('DaemonLockedError');
  });

  it('lets exactly one of two processes racing for a new lock file in (without retries both could fail)', async () => {
    for (let round = 0; round < 12; round++) {
      const path = join(dir, `race-${round}.lock`);
      const go = join(dir, `go-${round}`);
      const racers = [runNode(tryAndHold(path, go)), runNode(tryAndHold(path, go))];
      children.push(...racers);
      await pollUntil(`both racers of round ${round} to be ready`, () =>
        racers.every((racer) => racer.output().startsWith('ready')),
      );
      writeFileSync(go, '');
      const attempts = await pollUntil(`both racers of round ${round} to answer`, () => {
        const lines = racers.map((racer) => racer.output().split('\n')[1] ?? '');
        return lines.every((line) => line.startsWith('{'))
          ? lines.map((line) => JSON.parse(line) as Attempt)
          : undefined;
      });
      expect(
        attempts.filter((attempt) => attempt.ok),
        `round ${round}: ${JSON.stringify(attempts)}`,
      ).toHaveLength(1);
      for (const racer of racers) {
        if (racer.exitCode === null && racer.signalCode === null) {
          racer.kill('SIGKILL');
          await exited(racer);
        }
      }
    }
  });
});
