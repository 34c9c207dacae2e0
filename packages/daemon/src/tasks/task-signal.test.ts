import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { bootId, listProcStats, readProcStat, type ProcStat } from '../runtime/proc.js';
import { findTaskProcesses, signalTask, TASK_MARKER } from './task-signal.js';
import { pollUntil } from '../../../../test/support/poll.mjs';
import { type OwnedProcess, recordProcess, signalIfOurs } from '../../../../test/support/processes.mjs';

/** Process groups the tests started (leader recorded at spawn), SIGKILLed after each test if still theirs. */
const groups: OwnedProcess[] = [];

afterEach(() => {
  for (const leader of groups.splice(0)) signalIfOurs(leader, 'SIGKILL', { group: true });
});

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch {
    return '';
  }
};
const pids = (list: ProcStat[]) => list.map((p) => p.pid);
const running = (pid: number) => {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z';
};

/**
 * Starts `sh -c script` as the leader of a new session and process group, with
 * `env` added to a copy of this environment without any TEND_TASK_ID, and waits
 * until its group holds `sleeps` processes that have exec'd sleep.
 */
async function startGroup(
  script: string,
  sleeps: number,
  env: Record<string, string> = {},
): Promise<{ leader: ProcStat; members: ProcStat[] }> {
  const base = { ...process.env };
  delete base[TASK_MARKER];
  const child = spawn('/bin/sh', ['-c', script], {
    detached: true,
    stdio: 'ignore',
    env: { ...base, ...env },
  });
  const pid = child.pid as number;
  groups.push(recordProcess(pid));
  const members = await pollUntil(`${sleeps} sleeps in group ${pid}`, () => {
    const found = listProcStats().filter((p) => p.pgid === pid && p.state !== 'Z');
    return found.filter((p) => cmdline(p.pid) === 'sleep').length === sleeps ? found : undefined;
  });
  return { leader: members.find((p) => p.pid === pid) as ProcStat, members };
}

describe('signalTask', () => {
  it('signals the whole group with one kill(-pgid) while the wrapper runs with the row’s identity', async () => {
    const { leader, members } = await startGroup('sleep 600 & sleep 600 & wait', 2);
    const row = {
      id: 'tsig0001',
      pid: leader.pid,
      pgid: leader.pid,
      startTicks: leader.startTicks,
      bootId: bootId(),
    };
    expect(signalTask(row, 'SIGKILL')).toEqual({ via: 'group', sent: 3, outside: 0, spared: 0 });
    for (const p of members)
      await pollUntil(`pid ${p.pid} to die`, () => (running(p.pid) ? undefined : true));
  });

  it('signals nothing when the group’s pid now belongs to a process that is not the task’s (PID reuse)', async () => {
    // The row's task started one tick before this group's leader: the leader took over its pid.
    const { leader, members } = await startGroup('sleep 600 & sleep 600 & wait', 2);
    const row = {
      id: 'tsig0002',
      pid: leader.pid,
      pgid: leader.pid,
      startTicks: leader.startTicks - 1,
      bootId: bootId(),
    };
    expect(findTaskProcesses(row).members).toEqual([]);
    expect(signalTask(row, 'SIGKILL')).toEqual({ via: 'none', sent: 0, outside: 0, spared: 3 });
    for (const p of members) expect(running(p.pid)).toBe(true);
  });

  it('once the wrapper is gone, signals the members that carry the task’s marker or descend from one, and no other', async () => {
    const id = 'tsig0003';
    // Leader and one sleep: no marker. A marked shell, with a marked sleep and one that cleared its environment.
    const script = `${TASK_MARKER}=${id} sh -c 'sleep 600 & env -u ${TASK_MARKER} sleep 600 & wait' & sleep 600 & wait`;
    const { leader, members } = await startGroup(script, 3);
    const row = {
      id,
      pid: leader.pid,
      pgid: leader.pid,
      startTicks: leader.startTicks - 1,
      bootId: bootId(),
    };
    const marked = members.find((p) => p.ppid === leader.pid && cmdline(p.pid) === 'sh') as ProcStat;
    const taskPids = members.filter((p) => p.pid === marked.pid || p.ppid === marked.pid).map((p) => p.pid);
    const strangerPids = members.filter((p) => !taskPids.includes(p.pid)).map((p) => p.pid);
    expect(taskPids).toHaveLength(3);
    expect(
      findTaskProcesses(row)
        .members.map((p) => p.pid)
        .sort(),
    ).toEqual([...taskPids].sort());
    expect(signalTask(row, 'SIGKILL')).toEqual({ via: 'members', sent: 3, outside: 0, spared: 2 });
    for (const pid of taskPids) await pollUntil(`pid ${pid} to die`, () => (running(pid) ? undefined : true));
    for (const pid of strangerPids) expect(running(pid)).toBe(true);
  });

  it('signals the group with one kill when the wrapper is gone but every member carries the marker', async () => {
    const id = 'tsig0004';
    const { leader, members } = await startGroup('sleep 600 & sleep 600 & wait', 2, { [TASK_MARKER]: id });
    const row = {
      id,
      pid: leader.pid,
      pgid: leader.pid,
      startTicks: leader.startTicks - 1,
      bootId: bootId(),
    };
    expect(signalTask(row, 'SIGKILL')).toEqual({ via: 'group', sent: 3, outside: 0, spared: 0 });
    for (const p of members)
      await pollUntil(`pid ${p.pid} to die`, () => (running(p.pid) ? undefined : true));
  });

  it('reaches a marked process that left the group (setsid) by pid, counts it, and spares strangers of the same user', async () => {
    const id = 'tsig0006';
    const { leader } = await startGroup('setsid sleep 600 & sleep 600 & wait', 1, { [TASK_MARKER]: id });
    const escapee = await pollUntil('the setsid sleep', () =>
      listProcStats().find(
        (p) => p.ppid === leader.pid && p.sid !== leader.sid && cmdline(p.pid) === 'sleep',
      ),
    );
    groups.push(recordProcess(escapee.pid));
    // Strangers started after the task, in groups of their own: another task's marker, and none.
    const other = await startGroup('sleep 600 & wait', 1, { [TASK_MARKER]: 'tsig9999' });
    const bare = await startGroup('sleep 600 & wait', 1);
    const row = { id, pid: leader.pid, pgid: leader.pid, startTicks: leader.startTicks, bootId: bootId() };
    expect(pids(findTaskProcesses(row).members)).toContain(escapee.pid);
    // The group (leader, sleep) and the escapee: 3 processes reached, 1 of them outside the group.
    expect(signalTask(row, 'SIGKILL')).toEqual({ via: 'group', sent: 3, outside: 1, spared: 0 });
    await pollUntil('the escapee to die', () => (running(escapee.pid) ? undefined : true));
    for (const p of [...other.members, ...bare.members]) expect(running(p.pid)).toBe(true);
  });

  it('signals nothing of a row from another boot, nor of a row without identity', async () => {
    const id = 'tsig0005';
    const { leader } = await startGroup('sleep 600 & wait', 1, { [TASK_MARKER]: id });
    const identity = { id, pid: leader.pid, pgid: leader.pid, startTicks: leader.startTicks };
    expect(signalTask({ ...identity, bootId: 'another-boot' }, 'SIGKILL').via).toBe('none');
    expect(signalTask({ id, pid: leader.pid, pgid: leader.pid }, 'SIGKILL').via).toBe('none');
    expect(running(leader.pid)).toBe(true);
  });
});
