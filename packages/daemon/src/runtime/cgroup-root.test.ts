import { chownSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '@tend/protocol';
import { findCgroup2Mount, ownCgroupPath } from './cgroup.js';
import { checkCgroupRoot, chooseContainment, type ContainmentProbe } from './cgroup-root.js';

// Choosing the cgroup root (docs/design.md, "Containment") against a fake hierarchy: a temporary
// directory stands in for the cgroup2 mount (its "cgroups" are plain directories with the interface
// files), so nothing here touches a real cgroup.

let fake: string;
beforeEach(() => {
  fake = realpathSync(mkdtempSync('/tmp/tend-cgroot-'));
});
afterEach(() => rmSync(fake, { recursive: true, force: true }));

const CONFIG = '/home/ada/.config/tend/config.json';
/** A mountinfo with a v1 controller and the cgroup2 mount at `mount`. */
const mountinfo = (mount: string) =>
  `30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n` +
  `31 25 0:27 / ${mount.replace(/ /g, '\\040')} rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n`;

/** Makes `path` (under the fake mount) look like a cgroup directory owned by `uid`. */
function fakeCgroup(path: string, uid: number): string {
  const dir = join(fake, path);
  mkdirSync(dir, { recursive: true });
  for (const file of ['cgroup.procs', 'cgroup.subtree_control']) writeFileSync(join(dir, file), '');
  if (process.geteuid?.() === 0)
    for (const p of [dir, join(dir, 'cgroup.procs'), join(dir, 'cgroup.subtree_control')])
      chownSync(p, uid, uid);
  return dir;
}

function error(run: () => unknown): InvalidConfigError {
  try {
    run();
  } catch (caught) {
    expect(caught).toBeInstanceOf(InvalidConfigError);
    return caught as InvalidConfigError;
  }
  throw new Error('expected an InvalidConfigError');
}

describe('finding the hierarchy', () => {
  it('reads the cgroup2 mount point from mountinfo (octal escapes undone) and the 0:: line of /proc/self/cgroup', () => {
    expect(findCgroup2Mount(mountinfo('/sys/fs/cgroup/unified'))).toBe('/sys/fs/cgroup/unified');
    expect(findCgroup2Mount(mountinfo('/mnt/my cgroups'))).toBe('/mnt/my cgroups');
    expect(
      findCgroup2Mount('30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n'),
    ).toBeUndefined();
    expect(ownCgroupPath('12:memory:/x\n0::/user.slice/tend.service\n')).toBe('/user.slice/tend.service');
    expect(ownCgroupPath('12:memory:/x\n')).toBeUndefined();
  });
});

describe('chooseContainment', () => {
  const uid = process.geteuid?.() === 0 ? 4321 : (process.geteuid?.() ?? 1000);
  const probe = (own: string, extra: ContainmentProbe = {}): ContainmentProbe => ({
    mountinfo: mountinfo(fake),
    procSelfCgroup: `0::${own}\n`,
    euid: uid,
    enterLeaf: () => undefined,
    ...extra,
  });

  it('uses marker when the config says so, with that reason', () => {
    expect(chooseContainment({ containment: 'marker', cgroupRoot: '/nowhere' }, CONFIG, probe('/'))).toEqual({
      mode: 'marker',
      reason: 'containment is "marker" in config.json',
    });
  });

  it('falls back to marker with a reason in auto mode, and fails naming the key when cgroup is forced', () => {
    const none = { mountinfo: '', procSelfCgroup: '' };
    expect(chooseContainment({ containment: 'auto' }, CONFIG, none)).toEqual({
      mode: 'marker',
      reason: 'no cgroup v2 hierarchy is mounted',
    });
    expect(chooseContainment({ containment: 'auto' }, CONFIG, probe('/'))).toMatchObject({
      mode: 'marker',
      reason: expect.stringContaining('runs in the root cgroup'),
    });
    expect(
      chooseContainment({ containment: 'auto' }, CONFIG, probe('/a.service', { euid: 0 })),
    ).toMatchObject({
      mode: 'marker',
      reason: expect.stringContaining('runs as root'),
    });
    const forced = error(() => chooseContainment({ containment: 'cgroup' }, CONFIG, probe('/')));
    expect(forced.message).toContain(
      `${CONFIG}: key "containment" is "cgroup": needs a cgroup, but none can be written`,
    );
    expect(forced.message).toContain('set cgroupRoot');
    expect(forced.message).toContain('Delegate=yes');
  });

  it("uses the daemon's own cgroup when it is delegated, moving the daemon into the daemon leaf first", () => {
    const dir = fakeCgroup('user.slice/tend.service', uid);
    const entered: string[] = [];
    const chosen = chooseContainment(
      { containment: 'cgroup' },
      CONFIG,
      probe('/user.slice/tend.service', { enterLeaf: (leaf) => void entered.push(leaf) }),
    );
    expect(chosen).toEqual({ mode: 'cgroup', root: dir, source: 'delegated' });
    expect(entered).toEqual([join(dir, 'daemon')]);
    // The next daemon starts inside that leaf: its parent is still the root.
    fakeCgroup('user.slice/tend.service/daemon', uid);
    expect(
      chooseContainment({ containment: 'auto' }, CONFIG, probe('/user.slice/tend.service/daemon')),
    ).toEqual(chosen);
  });

  it('does not take a cgroup owned by another user for delegated', () => {
    fakeCgroup('system.slice/other.service', uid + 1);
    if (process.geteuid?.() !== 0) return; // only root can give a file to another user; the check is the same
    expect(
      chooseContainment({ containment: 'auto' }, CONFIG, probe('/system.slice/other.service')),
    ).toMatchObject({
      mode: 'marker',
      reason: expect.stringContaining('is not delegated to uid'),
    });
  });
});

describe('checkCgroupRoot', () => {
  it('accepts a writable cgroup directory inside the mount, by its real path', () => {
    const dir = fakeCgroup('tend-root', process.geteuid?.() ?? 0);
    expect(checkCgroupRoot(`${fake}/./tend-root`, fake, CONFIG)).toBe(dir);
  });

  it('refuses the mount itself, a path outside it, a missing directory and a directory that is no cgroup', () => {
    mkdirSync(join(fake, 'plain'));
    const outside = mkdtempSync('/tmp/tend-cgroot-out-');
    try {
      const cases: [string, string][] = [
        [fake, `is the root of the cgroup v2 hierarchy; name a directory below ${fake}`],
        [outside, `is not inside the cgroup v2 hierarchy (mounted at ${fake})`],
        [join(fake, 'missing'), 'does not exist'],
        [join(fake, 'plain'), 'is not a cgroup the daemon may write'],
        ['relative/dir', 'is not an absolute path'],
      ];
      for (const [path, message] of cases) {
        const refused = error(() => checkCgroupRoot(path, fake, CONFIG));
        expect(refused.message).toContain(`key "cgroupRoot" is ${JSON.stringify(path)}: ${message}`);
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
