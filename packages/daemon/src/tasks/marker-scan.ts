import { closeSync, openSync, readSync } from 'node:fs';
import { listProcStats, type ProcStat } from '../runtime/proc.js';

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
  environHas: environHolds,
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

/** Reused read buffer of the scan (grown for a large environ; the scan is synchronous). */
let buffer = Buffer.allocUnsafe(16 * 1024);

/**
 * Reads /proc file `path` whole into {@link buffer}, at most `max` bytes, with
 * one open and as few read(2) calls as it takes (readFileSync costs about 3×
 * as much here: it fstat()s, and reads a /proc file of size 0 in several
 * rounds, each making the kernel render the file again).
 * @returns the number of bytes read, or undefined when it cannot be opened or read.
 */
function readProcFile(path: string, max: number): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length >= max) return length;
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, max));
        buffer.copy(grown);
        buffer = grown;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return length;
      length += read;
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Most bytes of an environ read: execve(2) caps argv plus environ at ARG_MAX-like limits far below this. */
const ENVIRON_MAX = 16 * 1024 * 1024;

/**
 * True when `/proc/<pid>/environ` (NUL-separated `NAME=value` entries, the
 * environment the process was started with; proc(5)) holds `entry` as one
 * whole entry. False when it does not or cannot be read (ended, another
 * user's, hidepid, non-dumpable).
 */
export function environHolds(pid: number, entry: string): boolean {
  const length = readProcFile(`/proc/${pid}/environ`, ENVIRON_MAX);
  if (length === undefined) return false;
  const environ = buffer.subarray(0, length);
  for (let at = environ.indexOf(entry, 0, 'latin1'); at >= 0; at = environ.indexOf(entry, at + 1, 'latin1')) {
    const end = at + entry.length;
    if ((at === 0 || environ[at - 1] === 0) && (end === length || environ[end] === 0)) return true;
  }
  return false;
}

/**
 * Real and effective uid of `pid` from the `Uid:` line of `/proc/<pid>/status`
 * (real, effective, saved set, filesystem; proc(5)).
 * @returns undefined when the file cannot be read or has no such line.
 */
export function readUids(pid: number): { real: number; effective: number } | undefined {
  const length = readProcFile(`/proc/${pid}/status`, 64 * 1024);
  if (length === undefined) return undefined;
  const match = /^Uid:\s+(\d+)\s+(\d+)/m.exec(buffer.toString('latin1', 0, length));
  return match ? { real: Number(match[1]), effective: Number(match[2]) } : undefined;
}
