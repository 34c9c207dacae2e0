// @ts-check
// Temporary cgroup v2 roots for the tests and bench (docs/design.md, "Containment"). Safety: only
// directories named `tend-test-<random>` directly under the cgroup2 mount (found in
// /proc/self/mountinfo, never hard-coded) are created, and only those this module created are
// killed and removed.
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Paths made by {@link makeTestCgroupRoot} in this process: the only ones {@link removeTestCgroup} touches. */
const created = new Set();

/**
 * The mount point of the cgroup v2 hierarchy (fstype `cgroup2` in /proc/self/mountinfo), or
 * undefined when none is mounted.
 * @returns {string | undefined}
 */
export function cgroup2Mount() {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (right?.split(' ')[0] === 'cgroup2') return left?.split(' ')[4];
  }
  return undefined;
}

/**
 * Creates `<mount>/tend-test-<random>` for a test's daemon to use as `cgroupRoot`.
 * @returns {{ path: string } | { path: undefined, reason: string }} the new directory, or why
 *   none can be made (no cgroup v2 mount, or it is not writable by this user).
 */
export function makeTestCgroupRoot() {
  const mount = cgroup2Mount();
  if (!mount) return { path: undefined, reason: 'no cgroup v2 hierarchy is mounted' };
  try {
    accessSync(mount, constants.W_OK);
    accessSync(join(mount, 'cgroup.procs'), constants.W_OK);
  } catch {
    return { path: undefined, reason: `the cgroup v2 hierarchy at ${mount} is not writable by this user` };
  }
  const path = join(mount, `tend-test-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(path);
  } catch (error) {
    return { path: undefined, reason: `cannot create ${path}: ${/** @type {Error} */ (error).message}` };
  }
  created.add(path);
  return { path };
}

/**
 * Kills every process in test cgroup `path` (cgroup.kill, Linux ≥ 5.14; else SIGKILL to each pid
 * listed) and removes it with its descendants, bottom-up, waiting (up to 5 s) for the kill to
 * empty it. Refuses any path {@link makeTestCgroupRoot} did not create in this process.
 * @param {string} path
 * @returns {Promise<void>}
 * @throws {Error} when `path` is not one of ours, or it cannot be removed in time.
 */
export async function removeTestCgroup(path) {
  if (!created.has(path) || !basename(path).startsWith('tend-test-') || dirname(path) !== cgroup2Mount())
    throw new Error(`refusing to remove ${path}: not a test cgroup this process created`);
  if (!existsSync(path)) {
    created.delete(path);
    return;
  }
  const deadline = Date.now() + 5_000;
  for (;;) {
    const all = subtree(path);
    for (const cgroup of all) kill(cgroup);
    try {
      for (const cgroup of all.reverse()) if (existsSync(cgroup)) rmdirSync(cgroup);
      created.delete(path);
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`cannot remove test cgroup ${path}: ${/** @type {Error} */ (error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * The pids in `dir` and its descendants (cgroup.procs of each).
 * @param {string} dir
 * @returns {number[]}
 */
export function cgroupPids(dir) {
  return subtree(dir).flatMap((cgroup) => {
    try {
      return readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/**
 * @param {string} cgroup
 */
function kill(cgroup) {
  try {
    if (existsSync(join(cgroup, 'cgroup.kill'))) writeFileSync(join(cgroup, 'cgroup.kill'), '1');
    else
      for (const pid of cgroupPids(cgroup)) if (pid > 1 && pid !== process.pid) process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/**
 * `dir` and every directory below it, parents first.
 * @param {string} dir
 * @returns {string[]}
 */
function subtree(dir) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const out = [dir];
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) out.push(...subtree(join(dir, entry.name)));
  return out;
}

/**
 * Gives the tend home `home` a test cgroup root: creates one ({@link makeTestCgroupRoot}) and writes
 * `{"containment":"cgroup","cgroupRoot":…}` to `<home>/config/config.json`. Where no cgroup can be
 * made, writes nothing (the daemon then falls back to marker) and returns the reason, which the
 * test must assert against (daemon/status `containment.reason`) instead of skipping.
 * @param {string} home
 * @returns {{ path: string } | { path: undefined, reason: string }}
 */
export function useTestCgroupRoot(home) {
  const root = makeTestCgroupRoot();
  if (root.path === undefined) return root;
  mkdirSync(join(home, 'config'), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(home, 'config', 'config.json'),
    `${JSON.stringify({ containment: 'cgroup', cgroupRoot: root.path })}\n`,
    { mode: 0o600 },
  );
  return root;
}
