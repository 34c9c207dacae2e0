import { describe, expect, it } from 'vitest';
import type { ProcStat } from '../runtime/proc.js';
import { type ProcReader, scanTaskProcesses } from './marker-scan.js';

// The marker scan on a fake /proc: which processes count as the task's, and which never do.

const ME = 1000;
const DAEMON = 50;
const TASK = { id: 'abcd1234', pid: 100, pgid: 100, startTicks: 5000 };
const SCOPE = { uid: ME, selfPid: DAEMON, markerName: 'TEND_TASK_ID' };

/** A fake process: its stat fields, uid (real = effective unless `euid`), and environ (undefined: unreadable). */
interface FakeProc extends ProcStat {
  uid: number;
  euid?: number;
  env?: string[];
}

function proc(pid: number, fields: Partial<FakeProc> = {}): FakeProc {
  return {
    pid,
    state: 'S',
    ppid: 1,
    pgid: pid,
    sid: pid,
    startTicks: 6000,
    uid: ME,
    env: [],
    ...fields,
  };
}

/** A ProcReader over `procs` that counts its environ reads. */
function fakeProc(procs: FakeProc[]): ProcReader & { environReads: number } {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  return {
    environReads: 0,
    list: () =>
      procs.map(({ pid, state, ppid, pgid, sid, startTicks, kernel }) => ({
        pid,
        state,
        ppid,
        pgid,
        sid,
        startTicks,
        ...(kernel ? { kernel } : {}),
      })),
    uids(pid) {
      const p = byPid.get(pid);
      return p && { real: p.uid, effective: p.euid ?? p.uid };
    },
    environValue(pid, name) {
      this.environReads++;
      const entry = byPid.get(pid)?.env?.find((e) => e.startsWith(`${name}=`));
      return entry?.slice(name.length + 1);
    },
  };
}

const MARK = `TEND_TASK_ID=${TASK.id}`;
const pids = (list: ProcStat[]) => list.map((p) => p.pid).sort((a, b) => a - b);

describe('scanTaskProcesses', () => {
  it('finds marked processes of the user outside the group (setsid, double fork), and their children', () => {
    const reader = fakeProc([
      proc(1, { uid: 0 }),
      proc(100, { startTicks: 5000, env: [MARK] }),
      proc(101, { ppid: 100, pgid: 100, env: [MARK] }),
      // setsid: own session and group, marker kept.
      proc(200, { ppid: 101, env: ['A=1', MARK] }),
      // Double fork: reparented to init, own group, marker kept.
      proc(300, { ppid: 1, pgid: 250, env: [MARK] }),
      // Its child cleared its environment: still the task's (parent tie).
      proc(301, { ppid: 300, pgid: 250, env: [] }),
      // And that one's child too.
      proc(302, { ppid: 301, pgid: 302, env: [] }),
    ]);
    const found = scanTaskProcesses(TASK, SCOPE, reader);
    expect(found.wrapperAlive).toBe(true);
    expect(pids(found.members)).toEqual([100, 101, 200, 300, 301, 302]);
    expect(found.strangers).toEqual([]);
  });

  it('never counts pid 1, the daemon, another user’s process, or one started before the wrapper', () => {
    const reader = fakeProc([
      proc(1, { env: [MARK] }),
      proc(DAEMON, { env: [MARK] }),
      proc(100, { startTicks: 5000, env: [MARK] }),
      proc(400, { uid: 1001, env: [MARK] }),
      // Setuid program: real uid is the user's, effective is root's.
      proc(401, { euid: 0, env: [MARK] }),
      // Started before the wrapper: an older process that happens to carry the id.
      proc(402, { startTicks: 4999, env: [MARK] }),
      // A child of a member that runs as another user (su, sudo) outside the group.
      proc(403, { ppid: 100, uid: 0, env: [] }),
    ]);
    expect(pids(scanTaskProcesses(TASK, SCOPE, reader).members)).toEqual([100]);
  });

  it('matches the marker as one whole entry, never a prefix or another task’s id', () => {
    const reader = fakeProc([
      proc(100, { startTicks: 5000, env: [MARK] }),
      proc(500, { env: [`${MARK}9`] }),
      proc(501, { env: ['TEND_TASK_ID=zzzz9999'] }),
      proc(502, { env: [`X${MARK}`] }),
      proc(503, { env: undefined }),
      proc(504, {}),
    ]);
    expect(pids(scanTaskProcesses(TASK, SCOPE, reader).members)).toEqual([100]);
  });

  it('leaves zombies out, and counts a process whose environ cannot be read as no member', () => {
    const reader = fakeProc([
      proc(100, { startTicks: 5000, state: 'Z', env: [MARK] }),
      proc(600, { state: 'Z', env: [MARK] }),
      proc(601, { state: 'X', env: [MARK] }),
      proc(602, { env: undefined }),
      proc(603, { env: [MARK] }),
    ]);
    const found = scanTaskProcesses(TASK, SCOPE, reader);
    expect(found.wrapperAlive).toBe(false);
    expect(pids(found.members)).toEqual([603]);
  });

  it('in the group, without the wrapper: marked processes and their children only; the rest are strangers', () => {
    const reader = fakeProc([
      // The wrapper's pid now belongs to a later process (PID reuse).
      proc(100, { startTicks: 7000, pgid: 100, env: [] }),
      proc(110, { ppid: 100, pgid: 100, env: [MARK] }),
      proc(111, { ppid: 110, pgid: 100, env: [] }),
      proc(112, { ppid: 100, pgid: 100, env: [] }),
    ]);
    const found = scanTaskProcesses(TASK, SCOPE, reader);
    expect(found.wrapperAlive).toBe(false);
    expect(pids(found.members)).toEqual([110, 111]);
    expect(pids(found.strangers)).toEqual([100, 112]);
  });

  it('reads no environ of a process that started before the wrapper', () => {
    const old = Array.from({ length: 50 }, (_, i) => proc(1000 + i, { startTicks: 10 + i, env: [MARK] }));
    const reader = fakeProc([...old, proc(100, { startTicks: 5000, env: [MARK] })]);
    expect(pids(scanTaskProcesses(TASK, SCOPE, reader).members)).toEqual([100]);
    expect(reader.environReads).toBe(0);
  });

  it('never counts a kernel thread, nor reads its environ, even one started after the wrapper', () => {
    const reader = fakeProc([
      proc(100, { startTicks: 5000, env: [MARK] }),
      // A kworker started after the wrapper; in a fake /proc it even carries the marker and the group.
      proc(700, { kernel: true, ppid: 2, env: [MARK] }),
      proc(701, { kernel: true, ppid: 2, pgid: 100, env: [MARK] }),
      // Its children would be kernel threads too, but a user process that names it as parent is still looked at.
      proc(702, { ppid: 700, env: [MARK] }),
    ]);
    const found = scanTaskProcesses(TASK, SCOPE, reader);
    expect(pids(found.members)).toEqual([100, 702]);
    expect(found.strangers).toEqual([]);
    // The wrapper is in the group (no read needed while it runs); 702 is read, the kernel threads never.
    expect(reader.environReads).toBe(1);
  });
});
