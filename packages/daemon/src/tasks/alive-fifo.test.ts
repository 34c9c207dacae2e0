import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../../../../test/support/poll.mjs';
import { aliveFifoPath, watchWrapperEnd } from './alive-fifo.js';
import { reserveExitRecord } from './exit-record.js';
import { wrapperArgv } from './wrapper.js';

let dir: string;
let wrappers: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync('/tmp/tend-alive-');
});
afterEach(() => {
  for (const child of wrappers) {
    try {
      // The wrapper leads its own process group: end what is left of it (the command).
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  wrappers = [];
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the real wrapper for `command` as the daemon does; resolves once it holds its FIFO. */
async function startWrapper(
  command: string,
): Promise<{ pid: number; exitPath: string; child: ChildProcess }> {
  const exitPath = join(dir, 'exit');
  reserveExitRecord(exitPath);
  const log = openSync(join(dir, 'output.log'), 'a');
  const child = spawn('/bin/sh', wrapperArgv(exitPath, '/bin/sh', command), {
    detached: true,
    stdio: ['ignore', log, log],
  });
  wrappers.push(child);
  const pid = child.pid as number;
  const fifo = aliveFifoPath(exitPath);
  await pollUntil(
    'the wrapper to hold its liveness FIFO',
    () => existsSync(fifo) && holds(pid, statSync(fifo).ino),
  );
  return { pid, exitPath, child };
}

/** Pids of `pid`'s descendants (/proc/<pid>/task/<pid>/children, recursively). */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Whether process `pid` has a descriptor open on the file `ino`. */
function holds(pid: number, ino: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return statSync(`/proc/${pid}/fd/${fd}`).ino === ino;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

describe('the liveness FIFO', () => {
  it('tells the end of a wrapper killed by SIGKILL (no exit record) while its command still runs, which never holds it', async () => {
    const { pid, exitPath } = await startWrapper('sleep 600');
    const fifo = statSync(aliveFifoPath(exitPath));
    expect(fifo.isFIFO()).toBe(true);
    await pollUntil('the command to start', () => descendants(pid).length > 0);
    const command = descendants(pid);
    expect(command.filter((p) => holds(p, fifo.ino))).toEqual([]);
    let ended = false;
    const stop = watchWrapperEnd(aliveFifoPath(exitPath), pid, () => (ended = true));
    expect(stop).toBeDefined();
    expect(ended).toBe(false);
    process.kill(pid, 'SIGKILL');
    await pollUntil('the end of file on the FIFO', () => ended);
    expect(existsSync(exitPath)).toBe(false);
    // The command outlived its wrapper: the FIFO told the wrapper's end, not the task's.
    expect(command.some((p) => existsSync(`/proc/${p}`))).toBe(true);
  });

  it('tells the end of a wrapper that recorded its command’s status', async () => {
    const { pid, exitPath } = await startWrapper('sleep 600');
    let ended = false;
    expect(watchWrapperEnd(aliveFifoPath(exitPath), pid, () => (ended = true))).toBeDefined();
    process.kill(-pid, 'SIGTERM');
    await pollUntil('the end of file on the FIFO', () => ended);
    expect(readFileSync(exitPath, 'utf8')).toContain('"status":143');
  });

  it('is not used when the process does not hold that FIFO, and calls nothing after a stop', async () => {
    const { pid, exitPath } = await startWrapper('sleep 600');
    await pollUntil('the command to start', () => descendants(pid).length > 0);
    // The command runs, but does not hold the wrapper's FIFO.
    expect(
      watchWrapperEnd(aliveFifoPath(exitPath), descendants(pid)[0] as number, () => undefined),
    ).toBeUndefined();
    expect(watchWrapperEnd(join(dir, 'output.log'), pid, () => undefined)).toBeUndefined();
    expect(watchWrapperEnd(join(dir, 'missing'), pid, () => undefined)).toBeUndefined();
    let calls = 0;
    const stop = watchWrapperEnd(aliveFifoPath(exitPath), pid, () => calls++);
    stop?.();
    let second = false;
    expect(watchWrapperEnd(aliveFifoPath(exitPath), pid, () => (second = true))).toBeDefined();
    process.kill(pid, 'SIGKILL');
    await pollUntil('the end of file on the second reader', () => second);
    expect(calls).toBe(0);
  });
});
