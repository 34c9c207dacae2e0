import { readFileSync } from 'node:fs';

/** One line of /proc/self/mountinfo, the fields tend reads. */
export interface MountInfo {
  /** Mount point (field 5), octal escapes (`\040`) decoded. */
  mountPoint: string;
  /** Filesystem type, after the ` - ` separator (`cgroup2`, `cgroup`, `tmpfs`…). */
  fsType: string;
  /** Per-superblock options, after the source (for cgroup v1: the controllers it binds, e.g. `rw,memory`). */
  superOptions: string[];
}

/**
 * Parses /proc/self/mountinfo (proc(5), "/proc/pid/mountinfo": optional fields end with a lone
 * `-`, then the filesystem type, the source and the super options). Malformed lines are skipped.
 */
export function parseMountInfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const mountPoint = before.split(' ')[4];
    const [fsType, , superOptions] = after.split(' ');
    if (mountPoint === undefined || fsType === undefined) continue;
    mounts.push({
      mountPoint: mountPoint.replace(/\\([0-7]{3})/g, (_, octal: string) =>
        String.fromCharCode(parseInt(octal, 8)),
      ),
      fsType,
      superOptions: (superOptions ?? '').split(','),
    });
  }
  return mounts;
}

/**
 * Controllers bound to a cgroup v1 hierarchy, each with its mount point: such a controller cannot
 * be used in cgroup v2 (https://docs.kernel.org/admin-guide/cgroup-v2.rst, "Mounting").
 * @param mountinfo the text of /proc/self/mountinfo (read when not given); unreadable: none.
 */
export function cgroupV1ControllerMounts(mountinfo?: string): Map<string, string> {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      return new Map();
    }
  }
  const bound = new Map<string, string>();
  for (const mount of parseMountInfo(text)) {
    if (mount.fsType !== 'cgroup') continue;
    for (const option of mount.superOptions) if (!bound.has(option)) bound.set(option, mount.mountPoint);
  }
  return bound;
}
