// Resource limits of a task's cgroup v2: which controllers they need, enabling them for the
// children of the cgroup root, writing the limits, and reading the OOM killer's count.
// Every rule here is the kernel's: https://docs.kernel.org/admin-guide/cgroup-v2.rst
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TendDaemonError } from '../errors.js';
import { cgroupV1ControllerMounts } from './cgroup-mounts.js';

/** Limits of one task's cgroup; absent fields are not limited. */
export interface TaskLimits {
  /** memory.max, in bytes (task/run memoryMaxBytes). */
  memoryMaxBytes?: number;
  /** pids.max: most processes and threads at once (task/run pidsMax). */
  pidsMax?: number;
}

/** A cgroup v2 controller a limit needs. */
export type LimitController = 'memory' | 'pids';

/** The task/run param and CLI option of each controller's limit, for messages. */
const LIMIT_OF: Record<LimitController, { file: string; param: string; option: string }> = {
  memory: { file: 'memory.max', param: 'memoryMaxBytes', option: '--memory-max' },
  pids: { file: 'pids.max', param: 'pidsMax', option: '--pids-max' },
};

/** The controllers `limits` need, in a fixed order (memory, pids); empty when nothing is limited. */
export function limitControllers(limits: TaskLimits): LimitController[] {
  const names: LimitController[] = [];
  if (limits.memoryMaxBytes !== undefined) names.push('memory');
  if (limits.pidsMax !== undefined) names.push('pids');
  return names;
}

/**
 * The controllers listed in `<dir>/cgroup.controllers` (space-separated, one line): those
 * `dir` may enable for its children (cgroup-v2.rst, "Enabling and Disabling").
 * @throws the fs error (ENOENT when `dir` is not a cgroup v2 directory).
 */
export function readControllers(dir: string): string[] {
  return readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
}

/**
 * Refuses `limits` that the tasks' cgroups could not enforce, before any task is created.
 * Under cgroup containment each limit needs its controller in `<rootDir>/cgroup.controllers`:
 * `memory` for memory.max, `pids` for pids.max ("Controlling Controllers": a cgroup can enable
 * for its children only the controllers its parent enabled for it).
 * @param rootDir the cgroup v2 directory tasks' cgroups are created in; undefined when the daemon
 *   runs without cgroup containment.
 * @param withoutCgroup with no `rootDir`: the daemon's containment and why it has no cgroup,
 *   e.g. "marker containment because no cgroup v2 directory is writable (…)".
 * @throws TendDaemonError limit_unavailable naming the limit, the missing controller, the root and
 *   what would fix it; `data` holds `controllers` (the missing ones) and `cgroupRoot` when there is one.
 */
export function checkLimitsAvailable(
  rootDir: string | undefined,
  limits: TaskLimits,
  withoutCgroup = 'no cgroup containment',
): void {
  const needed = limitControllers(limits);
  if (needed.length === 0) return;
  const asked = limitNames(needed);
  if (rootDir === undefined) {
    throw new TendDaemonError(
      'limit_unavailable',
      `${asked} need${needed.length === 1 ? 's' : ''} cgroup containment (the ${needed.join(' and ')} ` +
        `controller of cgroup v2), and this daemon has ${withoutCgroup}; leave the limit out, or give the daemon a ` +
        'delegated cgroup (README, "Containment")',
      { controllers: needed },
    );
  }
  let available: string[];
  try {
    available = readControllers(rootDir);
  } catch (error) {
    throw new TendDaemonError(
      'limit_unavailable',
      `${asked} cannot be enforced: the cgroup root ${rootDir} has no readable cgroup.controllers ` +
        `(${(error as Error).message}); it must be a cgroup v2 directory`,
      { controllers: needed, cgroupRoot: rootDir },
    );
  }
  const missing = needed.filter((c) => !available.includes(c));
  if (missing.length === 0) return;
  throw new TendDaemonError(
    'limit_unavailable',
    missing.map((c) => missingControllerMessage(c, rootDir, available)).join('; '),
    { controllers: missing, cgroupRoot: rootDir },
  );
}

/** The limits of `controllers` for messages: "memoryMaxBytes (--memory-max) and pidsMax (--pids-max)". */
function limitNames(controllers: readonly LimitController[]): string {
  return controllers.map((c) => `${LIMIT_OF[c].param} (${LIMIT_OF[c].option})`).join(' and ');
}

/** Why controller `name` is not in `rootDir`'s cgroup.controllers, and what would put it there. */
function missingControllerMessage(name: LimitController, rootDir: string, available: string[]): string {
  const { file, param, option } = LIMIT_OF[name];
  const has = available.length > 0 ? available.join(' ') : 'none';
  const head = `${param} (${option}) needs the ${name} controller to set ${file}, and it is not enabled for ${rootDir} (its cgroup.controllers: ${has})`;
  const v1 = cgroupV1ControllerMounts().get(name);
  if (v1 !== undefined) {
    // "Mounting": a controller bound to a v1 hierarchy is not available in v2 until it is released there.
    return (
      `${head}: here it is bound to a cgroup v1 hierarchy (${v1}), and a controller serves one hierarchy at a time; ` +
      'boot with systemd.unified_cgroup_hierarchy=1 or cgroup_no_v1=' +
      name
    );
  }
  return (
    `${head}: its parent does not delegate it; on systemd, Delegate=yes on the daemon's unit (or ` +
    '`systemd-run --user --scope -p Delegate=yes`) delegates it, elsewhere write ' +
    `+${name} to the parent's cgroup.subtree_control`
  );
}

/**
 * Enables `names` for the children of `rootDir` by writing `+name …` to its cgroup.subtree_control
 * ("Controlling Controllers"; a child has the controller's files, such as memory.max, only once
 * its parent enabled it). Names already enabled are not written again, so this is idempotent.
 * @throws TendDaemonError limit_unavailable when the kernel refuses: EBUSY when the root itself holds
 *   processes ("no internal process" constraint, "Top-down Constraint"/"No Internal Process
 *   Constraint"), ENOENT or EINVAL when the controller is not available to it.
 */
export function enableControllers(rootDir: string, names: readonly LimitController[]): void {
  const path = join(rootDir, 'cgroup.subtree_control');
  let enabled: string[] = [];
  try {
    enabled = readFileSync(path, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    // Unreadable: the write below reports why.
  }
  const wanted = names.filter((n) => !enabled.includes(n));
  if (wanted.length === 0) return;
  try {
    writeFileSync(path, wanted.map((n) => `+${n}`).join(' '));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EBUSY'
        ? `${rootDir} holds processes itself, and a cgroup with processes cannot enable controllers for its ` +
          'children (the "no internal process" rule of cgroup v2): move them into a leaf cgroup first'
        : `the kernel refused (${(error as Error).message}); the controller must be listed in ${rootDir}/cgroup.controllers`;
    throw new TendDaemonError(
      'limit_unavailable',
      `${limitNames(wanted)} cannot be enforced: cannot enable the ${wanted.join(' and ')} controller for the ` +
        `tasks' cgroups under ${rootDir}: ${why}`,
      { controllers: wanted, cgroupRoot: rootDir },
      { cause: error },
    );
  }
}

/**
 * Writes `limits` into a task's cgroup, before any of its processes joins it:
 * - `memory.max` = memoryMaxBytes ("Memory Interface Files": the hard limit; past it, and when
 *   reclaim cannot free enough, the OOM killer ends a process of the cgroup; the kernel rounds it
 *   down to whole pages);
 * - `memory.swap.max` = 0 with it: memory.max caps RAM only, and a task over it would otherwise
 *   be swapped out, slowing the whole machine, instead of being OOM-killed (docker's
 *   `--memory` without `--memory-swap` allows as much swap again; tend allows none, so that the
 *   limit is the task's whole memory). A kernel without swap accounting has no such file: skipped.
 * - `pids.max` = pidsMax ("PID": fork() and clone() fail with EAGAIN once the cgroup holds that
 *   many processes and threads).
 * `memory.oom.group` stays 0: the OOM killer ends the process using the most memory (the command,
 * as a rule, not the small wrapper shell), so the wrapper survives to record the command's SIGKILL.
 * @throws Error naming the file, the directory and the fs error when a write fails (EACCES or ENOENT: the
 *   controller is not enabled for the cgroup, so the file does not exist and cannot be created).
 */
export function applyLimits(taskCgroupDir: string, limits: TaskLimits): void {
  if (limits.memoryMaxBytes !== undefined) {
    writeLimit(taskCgroupDir, 'memory.max', limits.memoryMaxBytes);
    try {
      writeFileSync(join(taskCgroupDir, 'memory.swap.max'), '0');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EACCES') throw error;
    }
  }
  if (limits.pidsMax !== undefined) writeLimit(taskCgroupDir, 'pids.max', limits.pidsMax);
}

/** Writes `value` to `<dir>/<file>`, an existing interface file of a cgroup. */
function writeLimit(dir: string, file: string, value: number): void {
  try {
    writeFileSync(join(dir, file), String(value));
  } catch (error) {
    const controller = file.split('.')[0];
    throw new Error(
      `cannot set ${file} of ${dir} to ${value} (${(error as Error).message}); the ${controller} controller must be ` +
        "enabled in its parent's cgroup.subtree_control",
      { cause: error },
    );
  }
}

/**
 * Parses a flat keyed file ("Interface Files" › "Format": `KEY VALUE` lines), such as
 * memory.events or pids.events. Lines that are not a key and an integer are skipped.
 */
export function parseFlatKeyed(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\S+) (\d+)$/.exec(line.trim());
    if (match) values.set(match[1] as string, Number(match[2]));
  }
  return values;
}

/**
 * How many processes of the task's cgroup (and its descendants) the OOM killer has killed:
 * the `oom_kill` count of its memory.events ("Memory Interface Files").
 * @returns 0 when the file or the key is missing (no memory controller: nothing was limited).
 */
export function oomKills(taskCgroupDir: string): number {
  try {
    return parseFlatKeyed(readFileSync(join(taskCgroupDir, 'memory.events'), 'utf8')).get('oom_kill') ?? 0;
  } catch {
    return 0;
  }
}

/** `bytes` in IEC units for messages: 2147483648 → "2 GiB", 1610612736 → "1.5 GiB", 1000 → "1000 B". */
export function formatIecBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(2))} ${units[unit]}`;
}
