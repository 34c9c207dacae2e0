import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../packages/daemon/dist/store/db.js';
import { TaskStore, type TaskRow } from '../packages/daemon/dist/store/task-store.js';
import { wrapperArgv } from '../packages/daemon/dist/tasks/wrapper.js';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

let harness: DaemonHarness;
let client: RawClient;

beforeEach(async () => {
  harness = new DaemonHarness();
  await harness.start();
  client = await harness.connect();
});
afterEach(async () => {
  await harness.cleanup();
});

/** Bytes printed by `seq 1 n`. */
function seqBytes(n: number): number {
  let total = 0;
  for (let i = 1; i <= n; i++) total += String(i).length + 1;
  return total;
}

function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

function startTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** Opens the daemon's database (only while no daemon runs) and hands its store to `use`. */
function withStore<T>(use: (store: TaskStore) => T): T {
  const db = openDatabase(join(harness.home, 'state', 'tend.db'));
  try {
    return use(new TaskStore(db));
  } finally {
    db.close();
  }
}

async function restart(): Promise<void> {
  await harness.start();
  client = await harness.connect();
}

describe('tasks outlive the daemon', () => {
  it('keeps 20 mixed tasks through a daemon SIGKILL and reports every real end and every output byte', async () => {
    const run = (command: string) => client.request('task/run', { command, cwd: harness.home });
    // Files the test creates once the daemon is down and once it is back: the tasks wait for them.
    const down = join(harness.home, 'daemon-down');
    const up = join(harness.home, 'daemon-up');
    const untilDown = untilFileExists(down, harness.home);
    const untilUp = untilFileExists(up, harness.home);
    const endedBefore = await Promise.all([run('exit 0'), run('exit 1'), run('exit 42')]);
    for (const task of endedBefore) await client.request('task/wait', { id: task.id });
    const endWhileDown = await Promise.all([
      run(`${untilDown}; exit 0`),
      run(`${untilDown}; exit 1`),
      run(`${untilDown}; exit 42`),
    ]);
    const termedWhileDown = await Promise.all([run('sleep 60'), run('sleep 60')]);
    const commandKilledWhileDown = await run('echo $$; exec sleep 60');
    const groupKilledWhileDown = await run('sleep 60');
    const sleepers = await Promise.all(Array.from({ length: 8 }, () => run('sleep 60')));
    // 40 × `seq 1 2000`: 20 before the crash, 10 while the daemon is down, 10 after the restart.
    const printer = await run(
      `for i in $(seq 1 20); do seq 1 2000; done; ${untilDown}; for i in $(seq 1 10); do seq 1 2000; done; ` +
        `${untilUp}; for i in $(seq 1 10); do seq 1 2000; done`,
    );
    const endAfterRestart = await run(`${untilUp}; exit 7`);
    const all = [
      ...endedBefore,
      ...endWhileDown,
      ...termedWhileDown,
      commandKilledWhileDown,
      groupKilledWhileDown,
      ...sleepers,
      printer,
      endAfterRestart,
    ];
    expect(all).toHaveLength(20);
    const commandPid = Number(
      await pollUntil('the command pid', async () =>
        (await client.request('task/output', { id: commandKilledWhileDown.id })).data.trim(),
      ),
    );

    await harness.kill9();
    writeFileSync(down, '');
    for (const task of termedWhileDown) process.kill(-task.pgid, 'SIGTERM');
    process.kill(commandPid, 'SIGKILL');
    process.kill(-groupKilledWhileDown.pgid, 'SIGKILL');
    await pollUntil('tasks to end while the daemon is down', () =>
      [...endWhileDown, ...termedWhileDown, commandKilledWhileDown, groupKilledWhileDown].every(
        (t) => !isAlive(t.pid),
      ),
    );
    expect(sleepers.every((t) => isAlive(t.pid))).toBe(true);
    expect(isAlive(endAfterRestart.pid)).toBe(true);
    await restart();
    writeFileSync(up, '');

    const get = (id: string) => client.request('task/get', { id });
    expect(await Promise.all(endedBefore.map((t) => get(t.id)))).toMatchObject([
      { state: 'succeeded', exitCode: 0 },
      { state: 'failed', exitCode: 1 },
      { state: 'failed', exitCode: 42 },
    ]);
    expect(await Promise.all(endWhileDown.map((t) => get(t.id)))).toMatchObject([
      { state: 'succeeded', exitCode: 0 },
      { state: 'failed', exitCode: 1 },
      { state: 'failed', exitCode: 42 },
    ]);
    for (const task of termedWhileDown)
      expect(await get(task.id)).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
    expect(await get(commandKilledWhileDown.id)).toMatchObject({ state: 'killed', signal: 'SIGKILL' });
    const groupKilled = await get(groupKilledWhileDown.id);
    expect(groupKilled).toMatchObject({ state: 'lost', reason: 'its wrapper ended without an exit record' });
    expect(groupKilled.exitCode).toBeUndefined();
    for (const task of sleepers) expect((await get(task.id)).state).toBe('running');

    const printed = (await client.request('task/wait', { id: printer.id, timeoutMs: 20_000 })).task;
    expect(printed).toMatchObject({ state: 'succeeded', exitCode: 0, outputBytes: 40 * seqBytes(2000) });
    let text = '';
    for (let offset = 0; offset < printed.outputBytes; ) {
      const chunk = await client.request('task/output', { id: printer.id, offset, limit: 1024 * 1024 });
      text += chunk.data;
      offset = chunk.nextOffset;
    }
    const expected = Array.from({ length: 2000 }, (_, i) => `${i + 1}\n`)
      .join('')
      .repeat(40);
    expect(text === expected).toBe(true);
    expect(
      (await client.request('task/wait', { id: endAfterRestart.id, timeoutMs: 10_000 })).task,
    ).toMatchObject({
      state: 'failed',
      exitCode: 7,
    });
    for (const task of sleepers) await client.request('task/kill', { id: task.id, signal: 'SIGKILL' });
  });

  it('ends a task timed_out when its deadline passed while the daemon was down', async () => {
    const task = await client.request('task/run', {
      command: 'sleep 60',
      cwd: harness.home,
      timeoutMs: 600_000,
    });
    await harness.kill9();
    // While the daemon is down, the row's 1000 ms deadline passes: written into the row rather than
    // waited for, so that a slow machine cannot let the running daemon enforce it first.
    withStore((store) => store.update(task.id, { timeoutMs: 1_000, deadlineAt: Date.now() - 1 }));
    expect(isAlive(task.pid)).toBe(true);
    await restart();
    const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task;
    expect(ended).toMatchObject({ state: 'timed_out', reason: 'timed out after 1000 ms', signal: 'SIGTERM' });
    expect(isAlive(task.pid)).toBe(false);
  });

  it('finishes a kill that a daemon crash interrupted, and reports killed', async () => {
    const task = await client.request('task/run', {
      command: "trap '' TERM; echo ready; while :; do sleep 0.05; done",
      cwd: harness.home,
    });
    await pollUntil('ready', async () =>
      (await client.request('task/output', { id: task.id })).data.includes('ready'),
    );
    expect((await client.request('task/kill', { id: task.id, graceMs: 300_000 })).state).toBe('stopping');
    await harness.kill9();
    // The grace period ends while the daemon is down (written into the row, not waited for).
    withStore((store) => store.update(task.id, { killAt: Date.now() - 1 }));
    expect(isAlive(task.pid)).toBe(true);
    await restart();
    const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task;
    expect(ended).toMatchObject({ state: 'killed', signal: 'SIGKILL', reason: 'killed by user (SIGTERM)' });
  });

  it('adopts a task whose pid the daemon died before recording, found by its wrapper', async () => {
    const probe = await client.request('task/run', { command: 'true', cwd: harness.home });
    await client.request('task/wait', { id: probe.id });
    await harness.kill9();
    const id = 'zzorphan';
    const dir = join(harness.home, 'state', 'tasks', id);
    const go = join(harness.home, 'go');
    const row: TaskRow = {
      id,
      command: `while [ ! -e ${go} ]; do sleep 0.05; done; exit 9`,
      cwd: harness.home,
      env: {},
      inheritEnv: true,
      state: 'starting',
      createdAt: Date.now(),
      logPath: join(dir, 'output.log'),
      outputBytes: 0,
      droppedBytes: 0,
    };
    withStore((store) => store.insert(row));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const wrapper = spawn('/bin/sh', wrapperArgv(join(dir, 'exit'), '/bin/sh', row.command), {
      detached: true,
      stdio: 'ignore',
    });
    harness.own(wrapper.pid as number, { group: true });
    await restart();
    const adopted = await client.request('task/get', { id });
    expect(adopted).toMatchObject({ state: 'running', pid: wrapper.pid });
    writeFileSync(go, '');
    expect((await client.request('task/wait', { id, timeoutMs: 10_000 })).task).toMatchObject({
      state: 'failed',
      exitCode: 9,
    });
  });
});

describe('identity checks', () => {
  it('marks lost, and never signals, a row whose pid now belongs to another process', async () => {
    await harness.kill9();
    const stranger = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const pid = stranger.pid as number;
    harness.own(pid, { group: true });
    const row: TaskRow = {
      id: 'zzreused',
      command: 'sleep 60',
      cwd: harness.home,
      env: {},
      inheritEnv: true,
      state: 'stopping',
      stopCause: 'user',
      killAt: Date.now(),
      pid,
      pgid: pid,
      startTicks: startTicks(pid) - 1,
      bootId: bootId(),
      createdAt: Date.now(),
      startedAt: Date.now(),
      logPath: join(harness.home, 'x.log'),
      outputBytes: 0,
      droppedBytes: 0,
    };
    const running = {
      ...row,
      id: 'zzreuse2',
      state: 'running' as const,
      stopCause: undefined,
      killAt: undefined,
    };
    withStore((store) => {
      store.insert(row);
      store.insert(running);
    });
    await restart();
    const lost = await client.request('task/get', { id: 'zzreuse2' });
    expect(lost.state).toBe('lost');
    expect(lost.reason).toMatch(/PID reuse/);
    expect(lost.exitCode).toBeUndefined();
    expect((await client.request('task/get', { id: 'zzreused' })).state).toBe('killed');
    expect(isAlive(pid)).toBe(true);
  });

  it('marks lost with reason reboot a row from another boot', async () => {
    await harness.kill9();
    const sleeper = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const pid = sleeper.pid as number;
    harness.own(pid, { group: true });
    withStore((store) =>
      store.insert({
        id: 'zzreboot',
        command: 'sleep 60',
        cwd: harness.home,
        env: {},
        inheritEnv: true,
        state: 'running',
        pid,
        pgid: pid,
        startTicks: startTicks(pid),
        bootId: '00000000-0000-0000-0000-000000000000',
        createdAt: Date.now(),
        startedAt: Date.now(),
        logPath: join(harness.home, 'y.log'),
        outputBytes: 0,
        droppedBytes: 0,
      }),
    );
    await restart();
    expect(await client.request('task/get', { id: 'zzreboot' })).toMatchObject({
      state: 'lost',
      reason: 'reboot',
    });
    expect(isAlive(pid)).toBe(true);
  });
});

describe('the output cap', () => {
  it('keeps disk use bounded and the newest output intact, with monotonic offsets and a count of skipped bytes', async () => {
    const cap = 256 * 1024;
    // 40 bursts of `seq 1 5000` (23,894 bytes each): ~0.95 MB in all, far past the cap. After each
    // burst the task waits for the test (file burst-<i>), which first waits for the daemon to have
    // trimmed the log back under the cap: the trims are awaited, not raced against a sleep.
    const burst = seqBytes(5000);
    const gate = (i: number) => join(harness.home, `burst-${i}`);
    const home = harness.home;
    const task = await client.request('task/run', {
      command: `for i in $(seq 1 40); do seq 1 5000; while [ ! -e "${home}/burst-$i" ] && [ -d '${home}' ]; do sleep 0.02; done; done`,
      cwd: harness.home,
      outputCapBytes: cap,
    });
    const diskUse = () => statSync(task.logPath).blocks * 512;
    let peakDisk = 0;
    let lastTotal = 0;
    for (let i = 1; i <= 40; i++) {
      await pollUntil(`burst ${i} in output.log`, () => statSync(task.logPath).size >= i * burst);
      peakDisk = Math.max(peakDisk, diskUse());
      const { totalBytes } = await client.request('task/output', { id: task.id, tail: { bytes: 16 } });
      expect(totalBytes).toBeGreaterThanOrEqual(lastTotal);
      lastTotal = totalBytes;
      await pollUntil(`disk use back under the cap after burst ${i}`, () => diskUse() <= cap + 4096);
      writeFileSync(gate(i), '');
    }
    const ended = (await client.request('task/wait', { id: task.id })).task;
    const written = 40 * burst;
    expect(ended).toMatchObject({ state: 'succeeded', outputBytes: written, outputCapBytes: cap });
    expect(ended.droppedBytes).toBeGreaterThan(written - cap - 4096);
    expect(statSync(task.logPath).size).toBe(written);
    expect(statSync(task.logPath).blocks * 512).toBeLessThanOrEqual(cap + 4096);
    expect(peakDisk).toBeLessThan(written);

    const fromStart = await client.request('task/output', { id: task.id, offset: 0, limit: 1024 * 1024 });
    expect(fromStart.offset).toBe(ended.droppedBytes);
    expect(fromStart.skippedBytes).toBe(ended.droppedBytes);
    expect(fromStart.nextOffset).toBe(written);
    const expected = Array.from({ length: 5000 }, (_, i) => `${i + 1}\n`)
      .join('')
      .repeat(40);
    expect(fromStart.data === expected.slice(ended.droppedBytes)).toBe(true);
    const tail = await client.request('task/output', { id: task.id, tail: { lines: 2 } });
    expect(tail).toMatchObject({ data: '4999\n5000\n', skippedBytes: 0 });
  });
});
