import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskRow } from '../store/task-store.js';
import { readProcStat } from '../runtime/proc.js';
import { processGroups, taskStats } from './stats.js';
import { pollUntil } from '../../../../test/support/poll.mjs';

/**
 * A task row for process group `pgid` led by its wrapper (pid = pgid), with the wrapper's start time as
 * the daemon records it (read now, unless given: a gone wrapper keeps the one it had). The other fields
 * do not matter to stats.
 */
function row(
  id: string,
  pgid: number | undefined,
  { startTicks = pgid === undefined ? undefined : readProcStat(pgid)?.startTicks, tty = false } = {},
): TaskRow {
  return {
    ...(startTicks !== undefined ? { startTicks } : {}),
    ...(tty ? { tty } : {}),
    id,
    command: 'test',
    cwd: '/tmp',
    env: {},
    inheritEnv: true,
    state: 'running',
    createdAt: Date.now(),
    logPath: '/nonexistent/output.log',
    outputBytes: 0,
    droppedBytes: 0,
    ...(pgid !== undefined ? { pid: pgid, pgid } : {}),
  };
}

describe('taskStats', () => {
  const children: ChildProcess[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      try {
        // The group this test created (setsid made the child its leader): its own pid, negated.
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
  });

  /** Starts `command` in a new session (its own process group), as tend starts tasks. */
  async function startGroup(command: string, args: string[]): Promise<ChildProcess & { pid: number }> {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await once(child, 'spawn');
    return child as ChildProcess & { pid: number };
  }

  it('finds the process of a detached sleep with its memory', async () => {
    const child = await startGroup('sleep', ['60']);
    await pollUntil('the sleep to lead its group', () => processGroups().get(child.pid), {
      timeoutMs: 5_000,
    });
    const [stats] = await taskStats([row('sleep001', child.pid)]);
    expect(stats?.id).toBe('sleep001');
    expect(stats?.pids).toEqual([child.pid]);
    expect(stats?.rssBytes).toBeGreaterThan(0);
    expect(stats?.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(stats?.ports).toEqual([]);
  });

  it('lists every process of the group, sums their memory and names the port the group listens on with its pid', async () => {
    const server =
      "const s = require('node:http').createServer(); s.listen(0, '127.0.0.1', () => console.log(s.address().port, process.pid));";
    // The "wrapper" sh starts a sleep and the node server in its group and waits, as tend's wrapper runs the command.
    const child = await startGroup('sh', ['-c', `sleep 60 & "${process.execPath}" -e "${server}" & wait`]);
    let printed = '';
    child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const [port, serverPid] = (
      await pollUntil('the server to print its port and pid', () => /^(\d+) (\d+)\n/.exec(printed), {
        timeoutMs: 10_000,
      })
    )
      .slice(1)
      .map(Number) as [number, number];
    expect(port).toBeGreaterThan(0);
    await pollUntil(
      'three processes in the group',
      () => ((processGroups().get(child.pid)?.length ?? 0) >= 3 ? true : undefined),
      { timeoutMs: 5_000 },
    );

    const [stats] = await taskStats([row('http0001', child.pid)]);
    expect(stats?.pids).toHaveLength(3);
    expect(stats?.pids).toContain(child.pid);
    expect(stats?.pids).toContain(serverPid);
    expect(stats?.ports).toStrictEqual([{ port, address: '127.0.0.1', family: 'tcp', pid: serverPid }]);
    // A node process alone takes megabytes; the sum covers every process.
    expect(stats?.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('gives a busy process its CPU use on the first sample, not 0', async () => {
    const busy = await startGroup('sh', ['-c', 'while :; do :; done']);
    // Wait until it has used 300 ms of CPU (utime + stime, in ticks of 10 ms), however busy the machine is.
    await pollUntil(
      'the loop to use 300 ms of CPU',
      () => {
        const rest = readFileSync(`/proc/${busy.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return Number(rest[11]) + Number(rest[12]) >= 30 ? true : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const [stats] = await taskStats([row('busy', busy.pid)]);
    expect(stats?.cpuPercent).toBeGreaterThan(1);
  });

  it('reports nothing for a row without a process group or whose group is gone, keeping row order', async () => {
    const child = await startGroup('sleep', ['60']);
    const gone = spawn('true', [], { detached: true });
    await once(gone, 'exit');
    const stats = await taskStats([
      row('nopgid01', undefined),
      row('gone0001', gone.pid as number),
      row('live0001', child.pid),
    ]);
    expect(stats.map((s) => s.id)).toEqual(['nopgid01', 'gone0001', 'live0001']);
    expect(stats[0]).toStrictEqual({ id: 'nopgid01', pids: [], cpuPercent: 0, rssBytes: 0, ports: [] });
    expect(stats[1]).toStrictEqual({ id: 'gone0001', pids: [], cpuPercent: 0, rssBytes: 0, ports: [] });
    expect(stats[2]?.pids).toEqual([child.pid]);
  });

  it('counts the group members left when the wrapper has ended (an orphaned task), from a pass over /proc', async () => {
    // The "wrapper" backgrounds a sleep into its group, prints the sleep's pid and exits: the sleep is reparented.
    const wrapper = await startGroup('sh', ['-c', 'sleep 60 & echo $!']);
    const startTicks = readProcStat(wrapper.pid)?.startTicks;
    const exited = once(wrapper, 'exit');
    let printed = '';
    wrapper.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const sleep = Number(await pollUntil('the sleep pid', () => /^(\d+)\n/.exec(printed)?.[1]));
    await exited;
    try {
      const [stats] = await taskStats([row('orphan01', wrapper.pid, { startTicks })]);
      expect(stats?.pids).toEqual([sleep]);
      expect(stats?.rssBytes).toBeGreaterThan(0);
    } finally {
      process.kill(sleep, 'SIGKILL');
    }
  });

  it("follows a tty task's descendants out of its group, and keeps a plain task to its group", async () => {
    // setsid puts the second sleep in a session (and group) of its own, as `script` does for a tty task's command.
    const child = await startGroup('sh', ['-c', 'sleep 60 & setsid sleep 61 & wait']);
    const kids = await pollUntil('both sleeps to run', () => {
      const found = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ');
      const stats = found.filter(Boolean).map((pid) => readProcStat(Number(pid)));
      const execed = stats.filter(
        (s) => s && readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').startsWith('sleep'),
      );
      return execed.length === 2 ? execed : undefined;
    });
    const inGroup = kids.find((s) => s?.pgid === child.pid)?.pid;
    const escaped = kids.find((s) => s?.pgid !== child.pid)?.pid as number;
    try {
      const [plain, tty] = await taskStats([
        row('plain001', child.pid),
        row('tty00001', child.pid, { tty: true }),
      ]);
      expect(plain?.pids).toEqual([child.pid, inGroup]);
      expect(tty?.pids.sort()).toEqual([child.pid, inGroup, escaped].sort());
    } finally {
      process.kill(escaped, 'SIGKILL');
    }
  });
});
