import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestCgroupRoot, removeTestCgroup } from '../../../../test/support/cgroup.mjs';
import { pollUntil } from '../../../../test/support/poll.mjs';
import {
  type OwnedProcess,
  ownership,
  recordProcess,
  signalIfOurs,
} from '../../../../test/support/processes.mjs';
import { taskCgroupOf } from '../tasks/cgroup-task.js';
import {
  cgroupPids,
  isPopulated,
  isTaskCgroup,
  killCgroup,
  removeTaskCgroup,
  signalCgroup,
  taskCgroupName,
} from './cgroup.js';
import { watchUntilEmpty } from './cgroup-watch.js';

// The cgroup primitives on a real test cgroup (`<mount>/tend-test-<random>`, removed after each
// test). Where this machine cannot create one, the test asserts that the support said why.

let root: string | undefined;
const owned: OwnedProcess[] = [];
afterEach(async () => {
  for (const process of owned.splice(0)) signalIfOurs(process, 'SIGKILL');
  if (root) await removeTestCgroup(root);
  root = undefined;
});

/** A task cgroup `task-<id>` under a fresh test root holding `n` sleeps (one sh that forked them); undefined where none can be made. */
async function taskWithSleeps(n: number): Promise<{ dir: string; pids: number[] } | undefined> {
  const made = makeTestCgroupRoot();
  if ('reason' in made) {
    expect(made.reason).toMatch(/cgroup/);
    return undefined;
  }
  root = made.path;
  const dir = join(root, taskCgroupName('abc123'));
  mkdirSync(dir);
  const child = spawn(
    '/bin/sh',
    ['-c', `echo $$ > ${dir}/cgroup.procs; for i in $(seq ${n}); do setsid sleep 1000 & done; echo; wait`],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  owned.push(recordProcess(child.pid as number));
  await new Promise((resolve) => child.stdout?.once('data', resolve));
  const pids = await pollUntil('the sleeps to run', () => {
    const now = cgroupPids(dir);
    return now.length === n + 1 ? now : undefined;
  });
  owned.push(...pids.map((pid) => recordProcess(pid)));
  return { dir, pids };
}

describe('task cgroup names', () => {
  it('are task-<id>, directly under the root; anything else is refused before any rmdir', () => {
    expect(taskCgroupName('k3v9x2ab')).toBe('task-k3v9x2ab');
    expect(() => taskCgroupName('../x')).toThrow('not a task id');
    expect(isTaskCgroup('/cg/root', '/cg/root/task-abc')).toBe(true);
    expect(isTaskCgroup('/cg/root', '/cg/root/x/task-abc')).toBe(false);
    expect(isTaskCgroup('/cg/root', '/cg/root/daemon')).toBe(false);
    expect(() => removeTaskCgroup('/cg/root', '/cg/other/task-abc')).toThrow('refusing to remove');
    expect(() => removeTaskCgroup('/cg/root', '/cg/root')).toThrow('refusing to remove');
  });

  it("signals no cgroup but the task's own: a row naming another directory is ignored", () => {
    const row = { id: 'abc123', containment: 'cgroup' as const };
    expect(taskCgroupOf({ ...row, cgroup: '/sys/fs/cgroup/task-abc123' })).toBe('/sys/fs/cgroup/task-abc123');
    expect(taskCgroupOf({ ...row, cgroup: '/sys/fs/cgroup/system.slice' })).toBeUndefined();
    expect(taskCgroupOf({ ...row, cgroup: '/sys/fs/cgroup/task-other' })).toBeUndefined();
    expect(
      taskCgroupOf({ ...row, containment: 'marker', cgroup: '/sys/fs/cgroup/task-abc123' }),
    ).toBeUndefined();
  });
});

describe('cgroup primitives', () => {
  it('signal every member (setsid or not) through freeze + kill + thaw, and report populated 0 once they end', async () => {
    const task = await taskWithSleeps(5);
    if (!task) return;
    expect(isPopulated(task.dir)).toBe(true);
    let emptied = false;
    const stop = watchUntilEmpty(task.dir, () => (emptied = true));
    expect(signalCgroup(task.dir, 'SIGTERM')).toBe(6);
    await pollUntil('populated 0 to be seen', () => emptied);
    stop();
    expect(isPopulated(task.dir)).toBe(false);
    for (const pid of task.pids) expect(ownership(recordProcess(pid))).not.toBe('ours');
    expect(removeTaskCgroup(root as string, task.dir)).toBe(true);
    expect(existsSync(task.dir)).toBe(false);
  });

  it('kill every member with cgroup.kill, and remove nested cgroups bottom-up', async () => {
    const task = await taskWithSleeps(20);
    if (!task) return;
    mkdirSync(join(task.dir, 'nested', 'deeper'), { recursive: true });
    expect(killCgroup(task.dir)).toBe(21);
    await pollUntil('the cgroup to empty', () => isPopulated(task.dir) === false);
    expect(removeTaskCgroup(root as string, task.dir)).toBe(true);
    expect(existsSync(task.dir)).toBe(false);
  });

  it('refuse to remove a cgroup that still holds processes', async () => {
    const task = await taskWithSleeps(1);
    if (!task) return;
    expect(removeTaskCgroup(root as string, task.dir)).toBe(false);
    expect(existsSync(task.dir)).toBe(true);
  });
});
