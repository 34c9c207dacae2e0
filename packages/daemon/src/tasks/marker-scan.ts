import type { ProcStat } from '../runtime/proc.js';
import { LIVE_PROC, type ProcReader } from '../runtime/proc-reader.js';

export { LIVE_PROC, type ProcReader } from '../runtime/proc-reader.js';

/** The task a scan looks for: its id (the marker's value), wrapper pid, process group id and wrapper start time. */
export interface ScanTarget {
  /** Task id: its processes carry `TEND_TASK_ID=<id>`. */
  id: string;
  /** The wrapper's pid. */
  pid: number;
  /** The task's process group id (the wrapper's pid). */
  pgid: number;
  /** The wrapper's start time, clock ticks after boot (`/proc/<pid>/stat` field 22). */
  startTicks: number;
}

/** Who runs the scan: the user whose processes may be members, and the daemon's own pid (never a member). */
export interface ScanScope {
  /** The daemon's user id (process.getuid()). */
  uid: number;
  /** The daemon's pid (process.pid). */
  selfPid: number;
  /** Name of the marker variable (TEND_TASK_ID). */
  markerName: string;
}

/** The processes of a task found in /proc (see {@link scanTaskProcesses}). */
export interface TaskProcesses {
  /** The wrapper still runs with the start time of the row. */
  wrapperAlive: boolean;
  /** Live processes provably the task's (zombies left out), in its process group or outside it. */
  members: ProcStat[];
  /** Live processes in the task's process group that are not provably its own. */
  strangers: ProcStat[];
}

const live = (p: ProcStat) => p.state !== 'Z' && p.state !== 'X';

/**
 * One pass over /proc that finds task `target`'s processes (docs/design.md,
 * "Signals reach only the task"). A live process P (pid > 1, not the daemon,
 * started no earlier than the wrapper) is a member when
 * - P is in the task's process group and the wrapper still runs with its start
 *   time (the group is then still the task's), or
 * - P carries `TEND_TASK_ID=<id>` in `/proc/<pid>/environ` (its first entry of that name)
 *   and, when outside the task's group, runs as the daemon's user (real and
 *   effective uid), or
 * - P's parent is a member (a child that cleared its environment is still the
 *   task's), and, when outside the group, P runs as the daemon's user.
 * Kernel threads (`kernel`) are never members, and their environ is never read.
 * The marker scan reaches processes that left the group (setsid, setpgid,
 * double fork, nohup). A process that both clears its environment and lost its
 * parent tie (its parent ended before the scan, so it was reparented) is not
 * found: only a cgroup holds that one.
 * Cost: the stat pass over /proc, plus one environ read per process of any
 * user started after the wrapper outside the group (its uid is read only when
 * the marker matches, so an environ that cannot be read costs no status read).
 * The boot id is the caller's to check (the start ticks of another boot mean nothing).
 */
export function scanTaskProcesses(
  target: ScanTarget,
  scope: ScanScope,
  reader: ProcReader = LIVE_PROC,
): TaskProcesses {
  const { pid, pgid, startTicks } = target;
  const table = reader.list();
  const wrapperAlive = table.some((p) => p.pid === pid && live(p) && p.startTicks === startTicks);
  const marked = (p: ProcStat) => reader.environValue(p.pid, scope.markerName) === target.id;
  const candidate = (p: ProcStat) => live(p) && p.pid > 1 && p.pid !== scope.selfPid && p.kernel !== true;
  const inGroup = table.filter((p) => candidate(p) && p.pgid === pgid);
  const sameUser = (p: ProcStat) => {
    const uids = reader.uids(p.pid);
    return uids !== undefined && uids.real === scope.uid && uids.effective === scope.uid;
  };
  const proven = new Set<number>();
  for (const p of table) {
    if (!candidate(p) || p.startTicks < startTicks) continue;
    if (p.pgid === pgid) {
      if (wrapperAlive || marked(p)) proven.add(p.pid);
    } else if (marked(p) && sameUser(p)) proven.add(p.pid);
  }
  // A child of a member is a member, even when it cleared its environment.
  const children = new Map<number, ProcStat[]>();
  for (const p of table) {
    if (!candidate(p) || p.startTicks < startTicks || proven.has(p.pid)) continue;
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  const queue = [...proven];
  for (let parent = queue.pop(); parent !== undefined; parent = queue.pop()) {
    for (const child of children.get(parent) ?? []) {
      if (proven.has(child.pid) || (child.pgid !== pgid && !sameUser(child))) continue;
      proven.add(child.pid);
      queue.push(child.pid);
    }
  }
  return {
    wrapperAlive,
    members: table.filter((p) => proven.has(p.pid)),
    strangers: inGroup.filter((p) => !proven.has(p.pid)),
  };
}
