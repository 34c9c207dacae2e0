import { basename } from 'node:path';
import type { SignalName } from '@tend/protocol';
import { cgroupPids, isPopulated, killCgroup, signalCgroup, taskCgroupName } from '../runtime/cgroup.js';
import { bootId, readProcStat, type ProcStat } from '../runtime/proc.js';
import type { SignalOutcome, TaskIdentityRow, TaskProcesses } from './task-signal.js';

/**
 * The cgroup directory of a task with `containment: 'cgroup'`, when the row names one that is
 * the task's own (`.../task-<id>`: tend never signals a cgroup it did not create for this task)
 * and the row is of this boot (cgroups do not survive a reboot).
 */
export function taskCgroupOf(row: TaskIdentityRow): string | undefined {
  if (row.containment !== 'cgroup' || row.cgroup === undefined) return undefined;
  if (basename(row.cgroup) !== taskCgroupName(row.id) || !row.cgroup.startsWith('/')) return undefined;
  if (row.bootId !== undefined && row.bootId !== bootId()) return undefined;
  return row.cgroup;
}

/**
 * The processes of a cgroup-contained task: every live process in its cgroup and the cgroup's
 * descendants. Membership is the proof (docs/design.md, "Containment"): a process cannot leave a
 * cgroup by setsid, double fork or a cleared environment, only by a write to another cgroup's
 * cgroup.procs, which the daemon's delegation rules keep to the daemon's user. No strangers: a
 * pid reused by another process is in another cgroup.
 */
export function findCgroupTaskProcesses(row: TaskIdentityRow): TaskProcesses {
  const dir = taskCgroupOf(row);
  if (!dir) return { wrapperAlive: false, members: [], strangers: [] };
  const members: ProcStat[] = [];
  for (const pid of cgroupPids(dir)) {
    const stat = readProcStat(pid);
    if (stat && stat.state !== 'Z' && stat.state !== 'X' && pid > 1 && pid !== process.pid)
      members.push(stat);
  }
  const wrapperAlive = members.some((p) => p.pid === row.pid && p.startTicks === row.startTicks);
  return { wrapperAlive, members, strangers: [] };
}

/**
 * Sends `signal` to every process of a cgroup-contained task: SIGKILL through cgroup.kill
 * (Linux ≥ 5.14), any other signal through freeze, kill each member, thaw (see signalCgroup in
 * runtime/cgroup.ts). `sent` is the number of processes signalled.
 */
export function signalCgroupTask(row: TaskIdentityRow, signal: SignalName): SignalOutcome {
  const dir = taskCgroupOf(row);
  if (!dir) return { via: 'none', sent: 0, outside: 0, spared: 0 };
  const sent = signal === 'SIGKILL' ? killCgroup(dir) : signalCgroup(dir, signal);
  // `outside` counts escapees of the marker scan; a cgroup holds the task whatever its groups, so 0.
  return { via: sent > 0 ? 'cgroup' : 'none', sent, outside: 0, spared: 0 };
}

/**
 * Whether an adopted cgroup task's cgroup still holds its wrapper (start-up recovery re-finds the
 * task by its row's `cgroup`): the directory exists and lists the row's pid.
 */
export function cgroupHoldsWrapper(row: TaskIdentityRow): boolean {
  const dir = taskCgroupOf(row);
  return dir !== undefined && row.pid !== undefined && cgroupPids(dir).includes(row.pid);
}

/** Whether a cgroup task's cgroup is empty (`populated 0`, or gone); undefined for a task without one. */
export function cgroupEmpty(row: TaskIdentityRow): boolean | undefined {
  const dir = taskCgroupOf(row);
  return dir === undefined ? undefined : isPopulated(dir) !== true;
}
