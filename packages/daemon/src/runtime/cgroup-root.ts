import { accessSync, constants, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { InvalidConfigError } from '@tend/protocol';
import { findCgroup2Mount, ownCgroupPath } from './cgroup.js';

/**
 * How this daemon contains its tasks (docs/design.md, "Containment"): `cgroup` — each task in its
 * own cgroup `<root>/task-<id>`; `marker` — process group plus the TEND_TASK_ID marker, with the
 * reason no cgroup is used.
 */
export type Containment =
  | {
      mode: 'cgroup';
      /** Absolute path of the cgroup v2 directory the task cgroups are created in. */
      root: string;
      /** Where it came from: config `cgroupRoot`, or the daemon's own delegated cgroup. */
      source: 'config' | 'delegated';
    }
  | { mode: 'marker'; reason: string };

/** What {@link chooseContainment} reads; each defaults to the running system (tests pass their own). */
export interface ContainmentProbe {
  /** Text of /proc/self/mountinfo. */
  mountinfo?: string;
  /** Text of /proc/self/cgroup. */
  procSelfCgroup?: string;
  /** Effective uid. */
  euid?: number;
  /** Moves the daemon into `<root>/daemon` (default: writes process.pid to its cgroup.procs). */
  enterLeaf?: (leaf: string) => void;
}

/** Name of the leaf cgroup the daemon moves itself into when it uses its own delegated cgroup. */
export const DAEMON_LEAF = 'daemon';

/**
 * Picks the containment from config `containment` and `cgroupRoot`:
 * - `marker`: marker, always.
 * - `cgroupRoot` set (with `auto` or `cgroup`): that directory, which must be inside the cgroup v2
 *   mount (after realpath), not the mount itself, a cgroup (holds cgroup.procs) and writable.
 * - else the daemon's own cgroup when it is delegated to the daemon's user (systemd user service or
 *   scope with `Delegate=yes`): not the hierarchy root, the directory and its cgroup.procs and
 *   cgroup.subtree_control owned by the euid and writable (kernel cgroup-v2.rst, "Delegation":
 *   https://docs.kernel.org/admin-guide/cgroup-v2.html#delegation; https://systemd.io/CGROUP_DELEGATION/).
 *   Under root ownership proves nothing (every cgroup is root's), so root needs `cgroupRoot`. The
 *   daemon then moves itself into the leaf `<own>/daemon` first: a cgroup with processes cannot
 *   enable controllers for its children (the "no internal processes" rule), and task cgroups are
 *   its siblings. A daemon already in `<delegated>/daemon` (a restart) uses `<delegated>`.
 * - else marker, with the reason; with `containment: "cgroup"` that is an error instead.
 * @throws InvalidConfigError naming `cgroupRoot` (bad directory) or `containment` (forced cgroup
 *   without a usable root), and what would be right.
 */
export function chooseContainment(
  config: { containment: 'auto' | 'cgroup' | 'marker'; cgroupRoot?: string | undefined },
  configPath: string,
  probe: ContainmentProbe = {},
): Containment {
  if (config.containment === 'marker')
    return { mode: 'marker', reason: 'containment is "marker" in config.json' };
  const mount = findCgroup2Mount(probe.mountinfo);
  if (config.cgroupRoot !== undefined) {
    if (!mount)
      throw configError(
        configPath,
        'cgroupRoot',
        config.cgroupRoot,
        'names a cgroup, but no cgroup v2 hierarchy is mounted',
      );
    return { mode: 'cgroup', root: checkCgroupRoot(config.cgroupRoot, mount, configPath), source: 'config' };
  }
  const found = mount ? delegatedCgroup(mount, probe) : { reason: 'no cgroup v2 hierarchy is mounted' };
  if ('root' in found) {
    const leaf = join(found.root, DAEMON_LEAF);
    try {
      mkdirSync(leaf, { recursive: true });
      (probe.enterLeaf ?? enterLeaf)(leaf);
    } catch (error) {
      return fallback(
        config,
        configPath,
        `could not move the daemon into ${leaf}: ${(error as Error).message}`,
      );
    }
    return { mode: 'cgroup', root: found.root, source: 'delegated' };
  }
  return fallback(config, configPath, found.reason);
}

/** Marker with `reason`, or — when config forces cgroup — the error that says what is needed. */
function fallback(
  config: { containment: 'auto' | 'cgroup' | 'marker' },
  configPath: string,
  reason: string,
): Containment {
  if (config.containment === 'cgroup') {
    throw configError(
      configPath,
      'containment',
      'cgroup',
      `needs a cgroup, but none can be written (${reason}); set cgroupRoot to a cgroup v2 directory ` +
        'the daemon may write, run the daemon with Delegate=yes (the tend.service user unit, or ' +
        '`systemd-run --user --scope -p Delegate=yes tend daemon start`), or set containment to "auto"',
    );
  }
  return { mode: 'marker', reason };
}

/**
 * Checks a configured `cgroupRoot` and returns its real path.
 * @throws InvalidConfigError when it is not absolute, not a directory inside the cgroup v2 mount
 *   `mount`, the mount itself, not a cgroup (no cgroup.procs), or not writable.
 */
export function checkCgroupRoot(path: string, mount: string, configPath: string): string {
  const bad = (what: string) => configError(configPath, 'cgroupRoot', path, what);
  if (!isAbsolute(path))
    throw bad('is not an absolute path; give the absolute path of a cgroup v2 directory');
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw bad('does not exist; create it (mkdir) inside the cgroup v2 hierarchy first');
  }
  if (real === mount) throw bad(`is the root of the cgroup v2 hierarchy; name a directory below ${mount}`);
  if (!real.startsWith(`${mount}/`))
    throw bad(`is not inside the cgroup v2 hierarchy (mounted at ${mount}); name a directory below it`);
  if (!statSync(real).isDirectory()) throw bad('is not a directory; name a cgroup directory');
  try {
    accessSync(join(real, 'cgroup.procs'), constants.W_OK);
    accessSync(real, constants.W_OK);
  } catch {
    throw bad(
      'is not a cgroup the daemon may write (it must hold a writable cgroup.procs, and the directory be writable)',
    );
  }
  return real;
}

/**
 * The daemon's own cgroup, when delegated to its euid (see {@link chooseContainment}); else why not.
 */
function delegatedCgroup(mount: string, probe: ContainmentProbe): { root: string } | { reason: string } {
  const own = ownCgroupPath(probe.procSelfCgroup);
  if (own === undefined)
    return { reason: 'the daemon is in no cgroup v2 (no 0:: line in /proc/self/cgroup)' };
  if (own === '/') {
    return {
      reason:
        'the daemon runs in the root cgroup, which is not delegated to it (no systemd Delegate=yes) and cgroupRoot is not set',
    };
  }
  const euid = probe.euid ?? process.geteuid?.() ?? -1;
  if (euid === 0) {
    return {
      reason: `the daemon runs as root, where owning its cgroup ${own} does not prove delegation; set cgroupRoot`,
    };
  }
  const dir = join(mount, own);
  // A restarted daemon is already in the leaf it moved into: its parent is the delegated cgroup.
  for (const candidate of basename(dir) === DAEMON_LEAF ? [dirname(dir), dir] : [dir]) {
    if (candidate !== mount && isDelegated(candidate, euid)) return { root: candidate };
  }
  return {
    reason: `the daemon's cgroup ${own} is not delegated to uid ${euid} (run it with systemd Delegate=yes, or set cgroupRoot)`,
  };
}

/** The cgroup directory and its cgroup.procs and cgroup.subtree_control are owned by `euid` and writable. */
function isDelegated(dir: string, euid: number): boolean {
  try {
    for (const path of [dir, join(dir, 'cgroup.procs'), join(dir, 'cgroup.subtree_control')]) {
      if (statSync(path).uid !== euid) return false;
      accessSync(path, constants.W_OK);
    }
    return true;
  } catch {
    return false;
  }
}

function enterLeaf(leaf: string): void {
  writeFileSync(join(leaf, 'cgroup.procs'), String(process.pid));
}

function configError(configPath: string, key: string, value: string, message: string): InvalidConfigError {
  return new InvalidConfigError(configPath, [{ key, value, message }]);
}
