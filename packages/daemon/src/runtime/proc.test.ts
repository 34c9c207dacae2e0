import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bootId,
  childPids,
  environHas,
  groupExists,
  isSameProcess,
  listProcStats,
  pageSize,
  pidExists,
  readProcStat,
  readProcUsage,
} from './proc.js';
import { pollUntil } from '../../../../test/support/poll.mjs';

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('process identity from /proc', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-proc-'));
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (file: string, args: string[], options: { detached?: boolean } = {}) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'], ...options });
    children.push(child);
    return child;
  };

  it('reads our own pid, parent, group and a numeric start time', () => {
    const stat = readProcStat(process.pid);
    expect(stat).toBeDefined();
    expect(stat?.pid).toBe(process.pid);
    expect(stat?.ppid).toBe(process.ppid);
    expect(['R', 'S']).toContain(stat?.state);
    expect(Number.isInteger(stat?.startTicks)).toBe(true);
    expect(stat?.startTicks).toBeGreaterThan(0);
    expect(Number.isInteger(stat?.pgid)).toBe(true);
    expect(Number.isInteger(stat?.sid)).toBe(true);
    // Field 22 read by hand: the 20th field after the command name.
    const text = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    expect(stat?.startTicks).toBe(Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]));
  });

  it('parses a process whose command name holds spaces and parentheses', async () => {
    const odd = join(dir, 'a) b (c');
    copyFileSync('/bin/sleep', odd);
    const child = start('/bin/sh', ['-c', `exec '${odd}' 30`], { detached: true });
    const pid = child.pid as number;
    await pollUntil('the exec of the oddly named program', () =>
      readFileSync(`/proc/${pid}/stat`, 'utf8').includes('(a) b (c)'),
    );
    const stat = readProcStat(pid);
    expect(stat).toMatchObject({ pid, ppid: process.pid, pgid: pid, sid: pid });
    expect(['R', 'S']).toContain(stat?.state);
    expect(stat?.startTicks).toBeGreaterThanOrEqual(readProcStat(process.pid)?.startTicks as number);
  });

  it('reads a boot id shaped like a UUID, the same each time', () => {
    expect(bootId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(bootId()).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  });

  it('recognises our own process by its start time and boot id', () => {
    const startTicks = readProcStat(process.pid)?.startTicks as number;
    expect(isSameProcess(process.pid, { startTicks, bootId: bootId() })).toBe(true);
  });

  it('is not the same process when the start time differs (a reused pid)', () => {
    const startTicks = readProcStat(process.pid)?.startTicks as number;
    expect(isSameProcess(process.pid, { startTicks: startTicks + 1, bootId: bootId() })).toBe(false);
  });

  it('is not the same process when the boot id differs (the machine rebooted)', () => {
    const startTicks = readProcStat(process.pid)?.startTicks as number;
    expect(isSameProcess(process.pid, { startTicks, bootId: '00000000-0000-4000-8000-000000000000' })).toBe(
      false,
    );
  });

  it('never treats pid 1, 0 or a negative pid as the same process, even with matching identity', () => {
    const init = readProcStat(1);
    if (init) expect(isSameProcess(1, { startTicks: init.startTicks, bootId: bootId() })).toBe(false);
    expect(isSameProcess(0, { startTicks: 0, bootId: bootId() })).toBe(false);
    expect(isSameProcess(-1, { startTicks: 0, bootId: bootId() })).toBe(false);
  });

  it('reads a process that has exited and been reaped as undefined', async () => {
    const child = start('true', []);
    const pid = child.pid as number;
    await exited(child);
    expect(readProcStat(pid)).toBeUndefined();
    expect(isSameProcess(pid, { startTicks: 0, bootId: bootId() })).toBe(false);
    expect(pidExists(pid)).toBe(false);
  });

  it('does not treat a zombie as the same process, though its pid still exists', async () => {
    // sh starts a short sleep in the background, then blocks in `read` without reaping it: the sleep becomes a
    // zombie. Closing stdin lets sh `wait` (reaping it) and exit.
    const parent = spawn('/bin/sh', ['-c', 'sleep 0.3 & echo $!; read _; wait'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    children.push(parent);
    let out = '';
    parent.stdout?.on('data', (data: Buffer) => (out += data.toString()));
    await pollUntil('the background pid', () => out.includes('\n'));
    const zombie = Number(out.trim());
    await pollUntil(`pid ${zombie} to become a zombie`, () => readProcStat(zombie)?.state === 'Z');
    const startTicks = readProcStat(zombie)?.startTicks as number;
    expect(pidExists(zombie)).toBe(true);
    expect(isSameProcess(zombie, { startTicks, bootId: bootId() })).toBe(false);
    parent.stdin?.end();
    await exited(parent);
    expect(readProcStat(zombie)).toBeUndefined();
  });

  it('tells whether a pid exists, never for pid 0 or below', () => {
    expect(pidExists(process.pid)).toBe(true);
    expect(pidExists(0)).toBe(false);
    expect(pidExists(-1)).toBe(false);
  });

  it('tells whether a process group has members, never for group 1 or below', async () => {
    const child = start('sleep', ['30'], { detached: true });
    const pgid = child.pid as number;
    await pollUntil('the child to lead its own group', () => readProcStat(pgid)?.pgid === pgid);
    expect(groupExists(pgid)).toBe(true);
    expect(groupExists(1)).toBe(false);
    expect(groupExists(0)).toBe(false);
    child.kill('SIGKILL');
    await exited(child);
    expect(groupExists(pgid)).toBe(false);
  });
  it('lists the children of a process, of every thread (node forks from its main thread, sh from its only one)', async () => {
    const shell = start('sh', ['-c', 'sleep 30 & sleep 31 & wait']);
    const pid = shell.pid as number;
    const kids = await pollUntil('the two sleeps', () => {
      const found = childPids(pid);
      return found.length === 2 ? found : undefined;
    });
    for (const kid of kids) expect(readProcStat(kid)?.ppid).toBe(pid);
    // The one-thread shortcut reads the same file.
    expect(childPids(pid, 1).sort()).toEqual([...kids].sort());
    expect(childPids(process.pid)).toContain(pid);
    expect(childPids(2 ** 22 + 1)).toEqual([]);
  });

  it("reads a process's CPU time, threads and resident pages, and the page size getconf gives", () => {
    const self = readProcUsage(process.pid);
    expect(self?.pid).toBe(process.pid);
    expect(self?.threads).toBeGreaterThan(1); // node runs libuv's and V8's threads
    expect(self?.cpuTicks).toBeGreaterThan(0);
    expect(self?.startTicks).toBe(readProcStat(process.pid)?.startTicks);
    expect(pageSize()).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })));
    // The same resident set as statm's second field, give or take what this process touched in between.
    const statmPages = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
    expect(Math.abs((readProcUsage(process.pid)?.rssPages ?? 0) - statmPages)).toBeLessThan(statmPages / 10);
    expect(readProcUsage(2 ** 22 + 1)).toBeUndefined();
  });

  it('lists every process once, ourselves and a child included', () => {
    const child = start('sleep', ['30']);
    const pids = listProcStats().map((p) => p.pid);
    expect(pids).toContain(process.pid);
    expect(pids).toContain(child.pid);
    expect(new Set(pids).size).toBe(pids.length);
  });

  it('lists each process with the fields readProcStat reads, and marks kernel threads (PF_KTHREAD)', () => {
    const child = start('sleep', ['30']);
    const listed = listProcStats();
    let kernelThreads = 0;
    let compared = 0;
    for (const p of listed) {
      let text: string;
      try {
        text = readFileSync(`/proc/${p.pid}/stat`, 'latin1');
      } catch {
        continue; // ended since
      }
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      // Field 9 (flags) by hand: PF_KTHREAD is 0x00200000.
      const kernel = (Number(fields[6]) & 0x00200000) !== 0;
      expect(p.kernel === true).toBe(kernel);
      if (kernel) kernelThreads++;
      const again = readProcStat(p.pid);
      if (!again || again.startTicks !== p.startTicks) continue; // pid reused since
      compared++;
    }
    expect(compared).toBeGreaterThan(1);
    // Fields that do not change under us (the state may: R, S), as readProcStat parses them from the text.
    for (const pid of [process.pid, child.pid as number]) {
      const { state: _listedState, ...listedStat } = listed.find((p) => p.pid === pid) ?? { state: '' };
      const { state: _state, ...stat } = readProcStat(pid) ?? { state: '' };
      expect(listedStat).toEqual(stat);
    }
    expect(listed.find((p) => p.pid === process.pid)?.kernel).toBeUndefined();
    // Where kthreadd is visible (the first pid namespace), its threads are marked.
    if (readProcStat(2)?.ppid === 0 && readFileSync('/proc/2/comm', 'utf8').trim() === 'kthreadd')
      expect(kernelThreads).toBeGreaterThan(0);
  });

  it('finds a whole NAME=value entry in a process environment, and not a part of one', async () => {
    const child = spawn('sleep', ['30'], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TEND_TASK_ID: 'abc123' },
    });
    children.push(child);
    const pid = child.pid as number;
    await pollUntil('the exec of sleep', () =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'),
    );
    expect(environHas(pid, 'TEND_TASK_ID=abc123')).toBe(true);
    expect(environHas(pid, 'TEND_TASK_ID=abc')).toBe(false);
    expect(environHas(pid, 'TEND_TASK_ID=abc1234')).toBe(false);
    child.kill('SIGKILL');
    await exited(child);
    expect(environHas(pid, 'TEND_TASK_ID=abc123')).toBe(false);
  });
});
