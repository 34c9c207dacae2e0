import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../packages/daemon/dist/store/task-store.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';
import {
  bootId,
  client,
  harness,
  restart,
  seqBytes,
  startTicks,
  useDaemon,
  withStore,
} from './daemon-setup.js';

useDaemon();

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
