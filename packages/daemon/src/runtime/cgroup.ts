import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SignalName } from '@tend/protocol';

// cgroup v2 primitives (kernel Documentation/admin-guide/cgroup-v2.rst,
// https://docs.kernel.org/admin-guide/cgroup-v2.html). Every write goes to a directory the caller
// proved to be under the daemon's cgroup root (see cgroup-root.ts); nothing here picks a path.

/**
 * The mount point of the cgroup v2 hierarchy (fstype `cgroup2`), from /proc/self/mountinfo
 * (proc(5), "/proc/pid/mountinfo": field 5 is the mount point, octal-escaped; the fstype follows
 * the ` - ` separator). Usually /sys/fs/cgroup; /sys/fs/cgroup/unified on hybrid systems.
 * @returns undefined when no cgroup2 file system is mounted.
 */
export function findCgroup2Mount(mountinfo = readOr('/proc/self/mountinfo')): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (right?.split(' ')[0] !== 'cgroup2') continue;
    const mountPoint = left?.split(' ')[4];
    if (mountPoint)
      return mountPoint.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  }
  return undefined;
}

/**
 * The daemon's own cgroup v2 path relative to the mount (`/` is the root), from the `0::` line of
 * /proc/self/cgroup (cgroup-v2.rst, "Processes"). Undefined when there is none.
 */
export function ownCgroupPath(text = readOr('/proc/self/cgroup')): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  return line?.slice(3).replace(/ \(deleted\)$/, '');
}

/** Name of task `id`'s cgroup under the root. Task ids are lower-case letters and digits. */
export function taskCgroupName(id: string): string {
  if (!/^[a-z0-9]+$/.test(id)) throw new Error(`not a task id: ${JSON.stringify(id)}`);
  return `task-${id}`;
}

/** Whether `path` is a directory `task-<id>` directly under `root` (the only cgroups tend creates for tasks). */
export function isTaskCgroup(root: string, path: string): boolean {
  return dirname(path) === root && /^task-[a-z0-9]+$/.test(basename(path));
}

/**
 * The pids in cgroup `dir` and all its descendants (cgroup.procs of each; zombies are not listed).
 * @returns [] when the cgroup does not exist (any more).
 */
export function cgroupPids(dir: string): number[] {
  const pids: number[] = [];
  for (const cgroup of subtree(dir)) {
    for (const line of readOr(join(cgroup, 'cgroup.procs')).split('\n')) {
      const pid = Number(line);
      if (Number.isInteger(pid) && pid > 0) pids.push(pid);
    }
  }
  return pids;
}

/**
 * Whether cgroup `dir` or a descendant holds a live process: `populated` of cgroup.events
 * (cgroup-v2.rst, "Core Interface Files"). Undefined when the cgroup does not exist.
 */
export function isPopulated(dir: string): boolean | undefined {
  return eventsOf(dir)?.populated;
}

/** The `populated` and `frozen` keys of cgroup `dir`'s cgroup.events; undefined when it cannot be read. */
export function eventsOf(dir: string): { populated: boolean; frozen: boolean } | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'cgroup.events'), 'utf8');
  } catch {
    return undefined;
  }
  return { populated: /^populated 1$/m.test(text), frozen: /^frozen 1$/m.test(text) };
}

/** Whether the kernel offers cgroup.kill (Linux ≥ 5.14; cgroup-v2.rst, "cgroup.kill"). */
export function hasCgroupKill(dir: string): boolean {
  return existsSync(join(dir, 'cgroup.kill'));
}

/**
 * Ends every process of cgroup `dir` and its descendants with SIGKILL: one write of `1` to
 * cgroup.kill where the kernel has it (Linux ≥ 5.14: atomic, a process forking meanwhile cannot
 * escape), else {@link signalCgroup} with SIGKILL (freeze, kill each, thaw).
 * @returns how many processes it held when the kill was sent.
 */
export function killCgroup(dir: string): number {
  if (!hasCgroupKill(dir)) return signalCgroup(dir, 'SIGKILL');
  const count = cgroupPids(dir).length;
  if (count === 0) return 0;
  try {
    writeFileSync(join(dir, 'cgroup.kill'), '1');
  } catch {
    return 0; // removed meanwhile: nothing left to kill
  }
  return count;
}

/** Longest a {@link signalCgroup} waits for the freeze to take hold, in ms. */
const FREEZE_WAIT_MS = 200;

/**
 * Sends `signal` to every process of cgroup `dir` and its descendants. The cgroup is frozen first
 * (cgroup.freeze, cgroup-v2.rst "cgroup.freeze"): a frozen process can neither exit (so its pid
 * cannot be reused before kill(2) reaches it) nor fork a child the list would miss. The pids are
 * read once the freeze holds (`frozen 1` in cgroup.events, waited for at most 200 ms, re-reading
 * until no new pid appears), each is signalled, then the cgroup is thawed and the signals are
 * delivered. A cgroup that was frozen before stays frozen. Never signals pid ≤ 1 or the daemon.
 * Cost (bench/cgroup-stop.mjs, 2 cores, loaded): freeze + list + thaw about 0.4 ms for 5
 * processes, 40–70 ms for 500; with SIGTERM to each of 500, about 100 ms.
 * @returns how many processes were signalled.
 */
export function signalCgroup(dir: string, signal: SignalName): number {
  const freeze = join(dir, 'cgroup.freeze');
  let wasFrozen: boolean;
  try {
    wasFrozen = readFileSync(freeze, 'utf8').trim() === '1';
  } catch {
    // No such cgroup (any more): nothing to signal; a kernel without the v2 freezer (< 5.2): each pid, unfrozen.
    return existsSync(dir) ? signalEach(cgroupPids(dir), signal) : 0;
  }
  try {
    if (!wasFrozen) writeFileSync(freeze, '1');
  } catch {
    return 0; // removed meanwhile
  }
  const signalled = new Set<number>();
  try {
    const deadline = Date.now() + FREEZE_WAIT_MS;
    for (;;) {
      const frozen = eventsOf(dir)?.frozen ?? true;
      let fresh = 0;
      for (const pid of cgroupPids(dir)) {
        if (signalled.has(pid) || pid <= 1 || pid === process.pid) continue;
        signalled.add(pid);
        fresh++;
        try {
          process.kill(pid, signal);
        } catch {
          signalled.delete(pid); // gone before the freeze held
        }
      }
      if ((frozen && fresh === 0) || Date.now() >= deadline) break;
      if (fresh === 0) sleepSync(1);
    }
  } finally {
    if (!wasFrozen) {
      try {
        writeFileSync(freeze, '0');
      } catch {
        // removed meanwhile
      }
    }
  }
  return signalled.size;
}

/** kill(2) of each pid but pid ≤ 1 and the daemon; returns how many succeeded. */
function signalEach(pids: number[], signal: SignalName): number {
  let sent = 0;
  for (const pid of pids) {
    if (pid <= 1 || pid === process.pid) continue;
    try {
      process.kill(pid, signal);
      sent++;
    } catch {
      // gone
    }
  }
  return sent;
}

/**
 * Removes cgroup `dir` (which must be a `task-<id>` directly under `root`, see
 * {@link isTaskCgroup}) with its descendants, bottom-up: rmdir(2) is the only way to remove a
 * cgroup and succeeds only on one without processes or children (cgroup-v2.rst, "Creating a new
 * cgroup"). A cgroup already gone counts as removed.
 * @returns true when it is gone, false when it still holds processes (EBUSY) or could not be removed.
 * @throws Error when `dir` is not a task cgroup directly under `root` (tend removes nothing else).
 */
export function removeTaskCgroup(root: string, dir: string): boolean {
  if (!isTaskCgroup(root, dir))
    throw new Error(`refusing to remove ${dir}: not a task-<id> cgroup under ${root}`);
  if (!existsSync(dir)) return true;
  try {
    for (const cgroup of subtree(dir).reverse()) rmdirSync(cgroup);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** `dir` and every cgroup below it, parents before children; [] when `dir` does not exist. */
function subtree(dir: string): string[] {
  const out: string[] = [];
  const walk = (cgroup: string) => {
    out.push(cgroup);
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(cgroup, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) walk(join(cgroup, entry.name));
  };
  try {
    if (!statSync(dir).isDirectory()) return [];
  } catch {
    return [];
  }
  walk(dir);
  return out;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (Atomics.wait): only inside {@link signalCgroup}'s short freeze wait. */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function readOr(path: string, fallback = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
