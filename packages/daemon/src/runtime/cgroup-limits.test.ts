import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyLimits,
  checkLimitsAvailable,
  enableControllers,
  formatIecBytes,
  limitControllers,
  oomKills,
  parseFlatKeyed,
  readControllers,
} from './cgroup-limits.js';
import { cgroupV1ControllerMounts, parseMountInfo } from './cgroup-mounts.js';

// The file formats against a fake tree under os.tmpdir(); the kernel's answers against a real
// cgroup this test creates (`<cgroup2 mount>/tend-test-<random>`, removed after each test).
// On this machine the cgroup2 root lists only hugetlb, so memory.max and pids.max cannot be
// written for real: the real-cgroup tests assert the refusals a user would meet here.

const made: string[] = [];
const madeCgroups: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  // Only the cgroups this test created; a cgroup directory is removed with rmdir (it holds no process).
  for (const dir of madeCgroups.splice(0).reverse()) rmdirSync(dir);
});

/** A fake cgroup directory under os.tmpdir() holding `files`. */
function fakeCgroup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tend-cgl-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The cgroup2 mount point from /proc/self/mountinfo. */
function cgroup2Mount(): string {
  const mount = parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')).find(
    (m) => m.fsType === 'cgroup2',
  );
  if (!mount) throw new Error('no cgroup2 mount in /proc/self/mountinfo');
  return mount.mountPoint;
}

/** A new empty cgroup `<mount>/tend-test-<random>`, removed after the test. */
function realCgroup(): string {
  const dir = join(cgroup2Mount(), `tend-test-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir);
  madeCgroups.push(dir);
  return dir;
}

describe('limits of a cgroup: file formats (fake tree)', () => {
  it('names the controllers each limit needs', () => {
    expect(limitControllers({})).toEqual([]);
    expect(limitControllers({ pidsMax: 10 })).toEqual(['pids']);
    expect(limitControllers({ pidsMax: 10, memoryMaxBytes: 1 << 20 })).toEqual(['memory', 'pids']);
  });

  it('reads cgroup.controllers as space-separated names', () => {
    expect(
      readControllers(fakeCgroup({ 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma\n' })),
    ).toEqual(['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma']);
    expect(readControllers(fakeCgroup({ 'cgroup.controllers': '\n' }))).toEqual([]);
  });

  it('accepts limits whose controllers the root has, and asks nothing when no limit is given', () => {
    const root = fakeCgroup({ 'cgroup.controllers': 'cpu memory pids\n' });
    expect(() => checkLimitsAvailable(root, { memoryMaxBytes: 1 << 30, pidsMax: 512 })).not.toThrow();
    expect(() => checkLimitsAvailable(undefined, {})).not.toThrow();
  });

  it('refuses a limit whose controller the root lacks, naming the limit, the controller, the root and a fix', () => {
    const root = fakeCgroup({ 'cgroup.controllers': 'cpu memory\n' });
    let error: unknown;
    try {
      checkLimitsAvailable(root, { memoryMaxBytes: 1 << 30, pidsMax: 512 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      reason: 'limit_unavailable',
      code: 3003,
      data: { controllers: ['pids'], cgroupRoot: root },
    });
    const message = (error as Error).message;
    expect(message).toContain(
      `pidsMax (--pids-max) needs the pids controller to set pids.max, and it is not enabled for ${root} (its cgroup.controllers: cpu memory)`,
    );
    expect(message).not.toContain('memoryMaxBytes');
    // The fix depends on the machine: a v1 binding, or a parent that does not delegate it.
    expect(message).toMatch(
      cgroupV1ControllerMounts().has('pids') ? /bound to a cgroup v1 hierarchy/ : /Delegate=yes/,
    );
  });

  it('refuses limits without cgroup containment, saying which containment the daemon has and why', () => {
    expect(() =>
      checkLimitsAvailable(
        undefined,
        { memoryMaxBytes: 1 << 30 },
        'marker containment because no cgroup is writable',
      ),
    ).toThrow(
      'memoryMaxBytes (--memory-max) needs cgroup containment (the memory controller of cgroup v2), and this daemon ' +
        'has marker containment because no cgroup is writable',
    );
  });

  it('refuses a root that is not a cgroup v2 directory', () => {
    const root = fakeCgroup({});
    expect(() => checkLimitsAvailable(root, { pidsMax: 5 })).toThrow(
      `pidsMax (--pids-max) cannot be enforced: the cgroup root ${root} has no readable cgroup.controllers`,
    );
  });

  it('enables only the controllers not yet in cgroup.subtree_control, as "+name" words', () => {
    const root = fakeCgroup({ 'cgroup.subtree_control': '' });
    enableControllers(root, ['memory', 'pids']);
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids');
    const half = fakeCgroup({ 'cgroup.subtree_control': 'cpu memory\n' });
    enableControllers(half, ['memory', 'pids']);
    expect(readFileSync(join(half, 'cgroup.subtree_control'), 'utf8')).toBe('+pids');
    const done = fakeCgroup({ 'cgroup.subtree_control': 'memory pids\n' });
    enableControllers(done, ['memory', 'pids']);
    expect(readFileSync(join(done, 'cgroup.subtree_control'), 'utf8')).toBe('memory pids\n');
  });

  it('writes memory.max, memory.swap.max 0 and pids.max, in bytes and processes', () => {
    const task = fakeCgroup({});
    applyLimits(task, { memoryMaxBytes: 2147483648, pidsMax: 100 });
    expect(readFileSync(join(task, 'memory.max'), 'utf8')).toBe('2147483648');
    expect(readFileSync(join(task, 'memory.swap.max'), 'utf8')).toBe('0');
    expect(readFileSync(join(task, 'pids.max'), 'utf8')).toBe('100');
    const pidsOnly = fakeCgroup({});
    applyLimits(pidsOnly, { pidsMax: 7 });
    expect(() => readFileSync(join(pidsOnly, 'memory.max'))).toThrow(/ENOENT/);
  });

  it('parses memory.events (flat keyed) and counts its oom_kill; 0 without the file', () => {
    const events = 'low 0\nhigh 12\nmax 40\noom 3\noom_kill 2\noom_group_kill 0\n';
    expect(parseFlatKeyed(events)).toEqual(
      new Map([
        ['low', 0],
        ['high', 12],
        ['max', 40],
        ['oom', 3],
        ['oom_kill', 2],
        ['oom_group_kill', 0],
      ]),
    );
    expect(parseFlatKeyed('garbage line\nmax 5\n\n')).toEqual(new Map([['max', 5]]));
    expect(oomKills(fakeCgroup({ 'memory.events': events }))).toBe(2);
    expect(oomKills(fakeCgroup({ 'memory.events': 'low 0\noom_kill 0\n' }))).toBe(0);
    expect(oomKills(fakeCgroup({}))).toBe(0);
  });

  it('formats sizes in IEC units for reasons', () => {
    expect(formatIecBytes(2147483648)).toBe('2 GiB');
    expect(formatIecBytes(1610612736)).toBe('1.5 GiB');
    expect(formatIecBytes(512 * 1024 * 1024)).toBe('512 MiB');
    expect(formatIecBytes(1000)).toBe('1000 B');
  });
});

describe('cgroup v1 bindings from mountinfo', () => {
  it('finds controllers bound to v1 hierarchies, with their mount points', () => {
    const mountinfo = [
      '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:5 - cgroup cgroup rw,memory',
      '38 30 0:35 / /sys/fs/cgroup/my\\040pids rw,relatime - cgroup cgroup rw,pids',
      '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    const bound = cgroupV1ControllerMounts(mountinfo);
    expect(bound.get('memory')).toBe('/sys/fs/cgroup/memory');
    expect(bound.get('pids')).toBe('/sys/fs/cgroup/my pids');
    expect(bound.has('hugetlb')).toBe(false);
    expect(parseMountInfo(mountinfo).find((m) => m.fsType === 'cgroup2')?.mountPoint).toBe(
      '/sys/fs/cgroup/unified',
    );
  });
});

describe('limits of a cgroup: the kernel (a real cgroup this test creates)', () => {
  it('refuses limits for the cgroup2 root when it lacks the controllers, with the reason this machine has', () => {
    const root = cgroup2Mount();
    const controllers = readControllers(root);
    const missing = (['memory', 'pids'] as const).filter((c) => !controllers.includes(c));
    if (missing.length === 0) {
      // A machine whose cgroup2 root has both: nothing to refuse.
      expect(() => checkLimitsAvailable(root, { memoryMaxBytes: 1 << 30, pidsMax: 100 })).not.toThrow();
      return;
    }
    expect(() => checkLimitsAvailable(root, { memoryMaxBytes: 1 << 30, pidsMax: 100 })).toThrow(
      new RegExp(`needs the ${missing[0]} controller .* not enabled for ${root} `),
    );
  });

  it('turns the kernel refusing "+pids" in a cgroup lacking it into limit_unavailable naming it', () => {
    const cgroup = realCgroup();
    if (readControllers(cgroup).includes('pids')) {
      // Where the controller is delegated, enabling works and the child gets pids.max.
      enableControllers(cgroup, ['pids']);
      expect(readFileSync(join(cgroup, 'cgroup.subtree_control'), 'utf8')).toContain('pids');
      return;
    }
    expect(() => enableControllers(cgroup, ['pids'])).toThrow(
      expect.objectContaining({
        reason: 'limit_unavailable',
        message: expect.stringContaining(
          `pidsMax (--pids-max) cannot be enforced: cannot enable the pids controller for the tasks' cgroups under ${cgroup}: the kernel refused (ENOENT`,
        ),
      }),
    );
  });

  it('writes pids.max in a real cgroup, or says it cannot and why; oom_kill is 0 without memory.events', () => {
    const cgroup = realCgroup();
    expect(oomKills(cgroup)).toBe(0);
    if (readControllers(cgroup).includes('pids')) {
      applyLimits(cgroup, { pidsMax: 42 });
      expect(readFileSync(join(cgroup, 'pids.max'), 'utf8')).toBe('42\n');
      return;
    }
    expect(() => applyLimits(cgroup, { pidsMax: 42 })).toThrow(
      `cannot set pids.max of ${cgroup} to 42 (EACCES: permission denied, open '${cgroup}/pids.max'); the pids controller must be enabled in its parent's cgroup.subtree_control`,
    );
  });
});
