import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  allGone,
  commOf,
  harness,
  own,
  pgidOf,
  pidFromFile,
  runTask,
  stopTask,
  useMarkerDaemon,
} from './marker-setup.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive, processesWith } from './support/processes.mjs';

// Issue 12, marker containment (config `{"containment":"marker"}`): a fork storm half of which left the
// task's process group is stopped completely, and processes that are not the task's — same user with
// another marker or none, or another user with the task's own marker — are never signalled.

useMarkerDaemon();

/** Starts `sleep 1000` detached (its own session and group) with `env` and `uid`, records it, returns its pid. */
async function stranger(env: Record<string, string>, uid?: number): Promise<number> {
  const base = { ...process.env };
  delete base.TEND_TASK_ID;
  const child = spawn('sleep', ['1000'], {
    detached: true,
    stdio: 'ignore',
    cwd: '/',
    env: { ...base, ...env },
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  const pid = child.pid as number;
  own(pid);
  await pollUntil(`stranger ${pid} to exec sleep`, () => commOf(pid) === 'sleep');
  return pid;
}

describe('marker containment', () => {
  it('stops a fork storm of 500 processes, 250 of them in sessions of their own, completely', async () => {
    const task = await runTask('for i in $(seq 250); do sleep 1000 & setsid sleep 1000 & done; wait');
    const marker = `TEND_TASK_ID=${task.id}`;
    const sleeps = await pollUntil(
      '500 sleeps carrying the marker',
      () => {
        const found = processesWith(marker).filter((pid) => commOf(pid) === 'sleep');
        return found.length === 500 ? found : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(sleeps.filter((pid) => pgidOf(pid) !== task.pgid)).toHaveLength(250);
    await stopTask(task.id);
    await pollUntil('every process of the storm to end', () => processesWith(marker).length === 0, {
      timeoutMs: 30_000,
    });
    await allGone(sleeps);
  }, 120_000); // 500 processes start slowly on a busy 2-core machine

  it('never signals a process of the same user with another marker or none, nor another user’s with the task’s marker', async () => {
    expect(process.getuid?.(), 'this test starts a process as user 65534: it needs root').toBe(0);
    const d = harness.home;
    const task = await runTask(`setsid sleep 1000 & echo $! > ${d}/escapee.pid; sleep 1000`);
    const escapee = await pidFromFile('escapee');
    // Started after the task, each in a group of its own: only the marker (or the user) tells them apart.
    const strangers = [
      await stranger({ TEND_TASK_ID: 'zzzz9999' }),
      await stranger({ TEND_TASK_ID: `${task.id}0` }),
      await stranger({ TEND_STRANGER: '1' }),
      await stranger({ TEND_TASK_ID: task.id }, 65534),
    ];
    await stopTask(task.id);
    await allGone([escapee]);
    for (const pid of strangers) expect(isAlive(pid), `stranger ${pid}`).toBe(true);
  });
});
