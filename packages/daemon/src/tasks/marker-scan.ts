import { readFileSync } from 'node:fs';
import { environHas, listProcStats, type ProcStat } from '../runtime/proc.js';

/**
 * What the scan reads of /proc (proc(5), https://man7.org/linux/man-pages/man5/proc.5.html):
 * the live /proc by default ({@link LIVE_PROC}), a fake in unit tests.
 */
export interface ProcReader {
  /** `/proc/<pid>/stat` of every visible process (one pass over /proc). */
  list(): ProcStat[];
  /**
   * Real and effective user id of `pid` (`Uid:` line of `/proc/<pid>/status`);
   * undefined when it cannot be read (ended, hidden by `hidepid`).
   */
  uids(pid: number): { real: number; effective: number } | undefined;
  /**
   * True when `/proc/<pid>/environ` holds `entry` (`NAME=value`) as one whole
   * entry; false when it does not or cannot be read (another user's, hidepid,
   * non-dumpable, ended).
   */
  environHas(pid: number, entry: string): boolean;
}

/** The live /proc. */
export const LIVE_PROC: ProcReader = {
  list: listProcStats,
  uids: readUids,
  environHas,
};

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
 * - P carries `TEND_TASK_ID=<id>` as a whole entry of `/proc/<pid>/environ`
 *   and, when outside the task's group, runs as the daemon's user (real and
 *   effective uid), or
 * - P's parent is a member (a child that cleared its environment is still the
 *   task's), and, when outside the group, P runs as the daemon's user.
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
  const marker = `${scope.markerName}=${target.id}`;
  const candidate = (p: ProcStat) => live(p) && p.pid > 1 && p.pid !== scope.selfPid;
  const inGroup = table.filter((p) => candidate(p) && p.pgid === pgid);
  const sameUser = (p: ProcStat) => {
    const uids = reader.uids(p.pid);
    return uids !== undefined && uids.real === scope.uid && uids.effective === scope.uid;
  };
  const proven = new Set<number>();
  for (const p of table) {
    if (!candidate(p) || p.startTicks < startTicks) continue;
    if (p.pgid === pgid) {
      if (wrapperAlive || reader.environHas(p.pid, marker)) proven.add(p.pid);
    } else if (reader.environHas(p.pid, marker) && sameUser(p)) proven.add(p.pid);
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

/**
 * Real and effective uid of `pid` from the `Uid:` line of `/proc/<pid>/status`
 * (real, effective, saved set, filesystem; proc(5)).
 * @returns undefined when the file cannot be read or has no such line.
 */
export function readUids(pid: number): { real: number; effective: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  const match = /^Uid:\s+(\d+)\s+(\d+)/m.exec(text);
  return match ? { real: Number(match[1]), effective: Number(match[2]) } : undefined;
}
