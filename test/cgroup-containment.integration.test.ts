import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupPids } from './support/cgroup.mjs';
import { pollUntil } from './support/poll.mjs';
import { type OwnedProcess, ownership, recordProcess, signalIfOurs } from './support/processes.mjs';
import { client, harness, restart, useDaemon } from './daemon-setup.js';

// Containment by cgroup v2 (issue 12, docs/design.md "Containment"): each task runs in its own
// cgroup under a test cgroup root (test/support/cgroup.mjs), so no process it starts escapes a stop,
// whatever it does (setsid, double fork, nohup + disown, a cleared environment). Where this machine
// cannot write a cgroup, every test asserts the marker fallback and its reason instead.

useDaemon({ cgroup: true });

/** Escapees the test recorded: SIGKILLed after it if still theirs (they outlive a marker-mode stop). */
const recorded: OwnedProcess[] = [];
afterEach(() => {
  for (const escapee of recorded.splice(0)) signalIfOurs(escapee, 'SIGKILL');
});

/** `sh rec.sh NAME`: records its pid in NAME.pid, then becomes a 1000 s sleep. */
const REC = 'echo $$ > "$1.pid"; exec /bin/sleep 1000\n';
/** Four ways out of a process group, each recording its pid (bash for `disown`). */
const ESCAPE = [
  'setsid sh ./rec.sh setsid &',
  "(sh -c 'sh ./rec.sh double &' &)",
  'nohup sh ./rec.sh nohup >/dev/null 2>&1 & disown',
  'setsid env -i /bin/sh ./rec.sh envi &',
  'echo started',
].join('\n');
const ESCAPEES = ['setsid', 'double', 'nohup', 'envi'];

/**
 * True when the test's daemon contains tasks in cgroups (and checks daemon/status says so, under
 * the test root); false, after checking that it says marker with a reason, where no cgroup could
 * be made on this machine.
 */
async function cgroupMode(): Promise<boolean> {
  const status = await client.request('daemon/status');
  if (harness.cgroup?.path) {
    expect(status.containment).toEqual({ mode: 'cgroup', cgroupRoot: harness.cgroup.path });
    return true;
  }
  expect(status.containment.mode).toBe('marker');
  expect(status.containment.reason).toMatch(/\w/);
  return false;
}

/** `sh stubborn.sh`: records its pid in stubborn.pid and ignores SIGTERM (a loop of short sleeps). */
const STUBBORN = "trap '' TERM; echo $$ > stubborn.pid; while :; do sleep 0.05; done\n";

/**
 * Starts the escape script as a task (with `stubborn`: also a setsid'd process that ignores
 * SIGTERM), waits for every escapee's pid, and records them.
 */
async function startEscapees(
  extra: 'stubborn'[] = [],
): Promise<{ task: { id: string; cgroup?: string }; escapees: OwnedProcess[] }> {
  writeFileSync(join(harness.home, 'rec.sh'), REC);
  writeFileSync(join(harness.home, 'stubborn.sh'), STUBBORN);
  const lines = extra.includes('stubborn') ? ['setsid sh ./stubborn.sh &', ESCAPE] : [ESCAPE];
  writeFileSync(join(harness.home, 'escape.sh'), lines.join('\n'));
  const task = await client.request('task/run', {
    command: 'bash ./escape.sh; exec sleep 1000',
    cwd: harness.home,
  });
  const files = [...ESCAPEES, ...extra].map((name) => join(harness.home, `${name}.pid`));
  const pids = await pollUntil('every escapee to record its pid', () =>
    files.every((file) => /^\d+\n$/.test(existsSync(file) ? readFileSync(file, 'utf8') : ''))
      ? files.map((file) => Number(readFileSync(file, 'utf8')))
      : undefined,
  );
  // Each has exec'd its sleep once its pid file is written; record it with its start time.
  const escapees = pids.map((pid) => recordProcess(pid));
  recorded.push(...escapees);
  return { task, escapees };
}

async function allGone(processes: OwnedProcess[]): Promise<void> {
  await pollUntil('every process of the task to be gone', () =>
    processes.every((process) => ownership(process) !== 'ours'),
  );
}

describe('cgroup containment', () => {
  it('records the containment and cgroup of a task, and removes the cgroup once the task has ended', async () => {
    const task = await client.request('task/run', { command: 'exit 3', cwd: harness.home });
    const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task;
    expect(ended.state).toBe('failed');
    if (!(await cgroupMode())) {
      expect(ended.containment).toBe('marker');
      return;
    }
    const dir = join(harness.cgroup?.path as string, `task-${task.id}`);
    expect(ended).toMatchObject({ containment: 'cgroup', cgroup: dir, exitCode: 3 });
    await pollUntil('the empty cgroup to be removed', () => !existsSync(dir));
  });

  it('keeps the cgroup of an ended task while a leftover runs in it, and removes it once the leftover ends', async () => {
    writeFileSync(join(harness.home, 'rec.sh'), REC);
    const task = await client.request('task/run', {
      command: 'setsid sh ./rec.sh leftover & exit 0',
      cwd: harness.home,
    });
    const pidFile = join(harness.home, 'leftover.pid');
    const leftover = await pollUntil('the leftover to record its pid', () =>
      existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8'))
        ? recordProcess(Number(readFileSync(pidFile, 'utf8')))
        : undefined,
    );
    recorded.push(leftover);
    const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task;
    expect(ended.state).toBe('succeeded');
    if (!(await cgroupMode())) return;
    // Still contained: the cgroup stays, with the leftover in it, until it ends.
    expect(cgroupPids(task.cgroup)).toContain(leftover.pid);
    expect(existsSync(task.cgroup)).toBe(true);
    signalIfOurs(leftover, 'SIGKILL');
    await pollUntil('the emptied cgroup to be removed', () => !existsSync(task.cgroup));
  });

  it('stops every escapee (setsid, double fork, nohup + disown, setsid env -i) with SIGTERM', async () => {
    const { task, escapees } = await startEscapees();
    const inCgroup = (await cgroupMode()) ? cgroupPids(task.cgroup as string) : [];
    if (harness.cgroup?.path) for (const { pid } of escapees) expect(inCgroup).toContain(pid);
    // task/stats counts the cgroup's processes: every escapee too. In marker mode, the task's group
    // as found from its wrapper: none of them (they left the group, or were reparented away from it).
    const {
      stats: [stats],
    } = await client.request('task/stats', { ids: [task.id] });
    for (const { pid } of escapees)
      expect(stats?.pids.includes(pid)).toBe(harness.cgroup?.path !== undefined);
    expect(stats?.pids).toContain((task as { pid?: number }).pid);
    expect(stats?.rssBytes).toBeGreaterThan(0);
    const ended = client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
    await client.request('task/kill', { id: task.id });
    expect((await ended).task).toMatchObject({ state: 'killed' });
    if (!harness.cgroup?.path) return; // marker mode: the escapees are the marker tests' (test/marker-*.test.ts)
    await allGone(escapees);
    await pollUntil('the cgroup to be removed', () => !existsSync(task.cgroup as string));
  });

  it('ends escapees that ignore SIGTERM with cgroup.kill after the grace period', async () => {
    const { task, escapees } = await startEscapees(['stubborn']);
    if (!(await cgroupMode())) {
      await client.request('task/kill', { id: task.id, signal: 'SIGKILL' });
      return;
    }
    const ended = client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
    await client.request('task/kill', { id: task.id, graceMs: 200 });
    expect((await ended).task.state).toBe('killed');
    await allGone(escapees);
    await pollUntil('the cgroup to be removed', () => !existsSync(task.cgroup as string));
  });

  it('stops a fork storm of 500 processes completely', async () => {
    const task = await client.request('task/run', {
      command: 'for i in $(seq 500); do sleep 1000 & done; echo started; wait',
      cwd: harness.home,
    });
    if (!(await cgroupMode())) {
      await client.request('task/kill', { id: task.id, signal: 'SIGKILL' });
      return;
    }
    // Forking 500 processes takes seconds on a loaded 2-core machine: `started` is printed once all are forked.
    await pollUntil(
      'the 500 sleeps to be forked',
      async () => (await client.request('task/output', { id: task.id })).data.includes('started'),
      { timeoutMs: 120_000 },
    );
    const pids = cgroupPids(task.cgroup);
    expect(pids.length).toBeGreaterThanOrEqual(501);
    const processes = pids.map((pid) => recordProcess(pid));
    const ended = client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
    await client.request('task/kill', { id: task.id, signal: 'SIGKILL' });
    expect((await ended).task).toMatchObject({ state: 'killed', signal: 'SIGKILL' });
    await allGone(processes);
    await pollUntil('the cgroup to be removed', () => !existsSync(task.cgroup));
  }, 180_000);
});

describe('cgroup containment across a daemon SIGKILL', () => {
  it('keeps tasks in their cgroups while the daemon is down; the next daemon adopts them and stop ends everything', async () => {
    const { task, escapees } = await startEscapees();
    if (!(await cgroupMode())) {
      await client.request('task/kill', { id: task.id, signal: 'SIGKILL' });
      return;
    }
    const endsWhileDown = await client.request('task/run', {
      command: `while [ ! -e down ]; do sleep 0.05; done; exit 4`,
      cwd: harness.home,
    });
    await harness.kill9();
    writeFileSync(join(harness.home, 'down'), '');
    for (const escapee of escapees) expect(ownership(escapee)).toBe('ours');
    expect(cgroupPids(task.cgroup as string).length).toBeGreaterThanOrEqual(5);
    await pollUntil(
      'the task to end while the daemon is down',
      () => cgroupPids(endsWhileDown.cgroup).length === 0,
    );
    await restart();
    expect(await client.request('task/get', { id: task.id })).toMatchObject({
      state: 'running',
      containment: 'cgroup',
      cgroup: task.cgroup,
    });
    expect(await client.request('task/get', { id: endsWhileDown.id })).toMatchObject({
      state: 'failed',
      exitCode: 4,
    });
    // The ended task's cgroup is removed by the new daemon.
    await pollUntil('the ended task cgroup to be removed', () => !existsSync(endsWhileDown.cgroup));
    const ended = client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
    await client.request('task/kill', { id: task.id });
    expect((await ended).task.state).toBe('killed');
    await allGone(escapees);
    await pollUntil('the stopped task cgroup to be removed', () => !existsSync(task.cgroup as string));
  });

  it('tracks an adopted task whose wrapper died while the daemon was down until its cgroup is empty', async () => {
    const { task, escapees } = await startEscapees();
    if (!(await cgroupMode())) {
      await client.request('task/kill', { id: task.id, signal: 'SIGKILL' });
      return;
    }
    const wrapper = (await client.request('task/get', { id: task.id })).pid as number;
    await harness.kill9();
    process.kill(wrapper, 'SIGKILL');
    await pollUntil('the wrapper to be gone', () => !cgroupPids(task.cgroup as string).includes(wrapper));
    await restart();
    const kept = await client.request('task/get', { id: task.id });
    expect(kept.state).toBe('running');
    expect(kept.reason).toMatch(/remaining processes are tracked/);
    // Its processes end on their own (here: the test kills them): the task ends lost, the cgroup goes.
    for (const escapee of escapees) process.kill(escapee.pid, 'SIGKILL');
    for (const pid of cgroupPids(task.cgroup as string)) process.kill(pid, 'SIGKILL');
    const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 15_000 })).task;
    expect(ended.state).toBe('lost');
    await pollUntil('the cgroup to be removed', () => !existsSync(task.cgroup as string));
  });
});
