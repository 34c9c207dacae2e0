import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, harness, useDaemon } from './daemon-setup.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

// An adopted task's wrapper end is seen through its liveness FIFO (watchdog.ts, alive-fifo.ts):
// the new daemon holds a reader of the FIFO the wrapper holds, and lets it go with the task.

/** Whether process `pid` has `path` open (a link of /proc/<pid>/fd names it). */
function holdsPath(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

describe('an adopted task', () => {
  useDaemon();

  it('is watched through its wrapper’s liveness FIFO, whose end of file ends it when the wrapper is SIGKILLed', async () => {
    const task = await client.request('task/run', { command: 'exec sleep 600', cwd: harness.home });
    const fifo = join(harness.home, 'state', 'tasks', task.id, 'exit.alive');
    await pollUntil('the wrapper to hold its FIFO', () => holdsPath(task.pid, fifo));
    await harness.kill9();
    const daemon = await harness.start();
    const adopter = await harness.connect('adopter');
    expect(await adopter.request('task/get', { id: task.id })).toMatchObject({ state: 'running' });
    await pollUntil('the daemon to read the FIFO', () => holdsPath(daemon, fifo));
    const ended = adopter.request('task/wait', { id: task.id, timeoutMs: 15_000 });
    process.kill(-task.pgid, 'SIGKILL');
    expect((await ended).task).toMatchObject({
      state: 'lost',
      reason: expect.stringMatching(/wrapper ended without an exit record/),
    });
    await pollUntil('the daemon to close the FIFO', () => !holdsPath(daemon, fifo));
    expect(isAlive(task.pid)).toBe(false);
  });

  it('is watched through its FIFO and ends with the status its wrapper recorded', async () => {
    const task = await client.request('task/run', { command: 'exec sleep 600', cwd: harness.home });
    const fifo = join(harness.home, 'state', 'tasks', task.id, 'exit.alive');
    await pollUntil('the wrapper to hold its FIFO', () => holdsPath(task.pid, fifo));
    await harness.kill9();
    const daemon = await harness.start();
    const adopter = await harness.connect('adopter');
    await pollUntil('the daemon to read the FIFO', () => holdsPath(daemon, fifo));
    const ended = adopter.request('task/wait', { id: task.id, timeoutMs: 15_000 });
    process.kill(-task.pgid, 'SIGTERM');
    expect((await ended).task).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
    await pollUntil('the daemon to close the FIFO', () => !holdsPath(daemon, fifo));
  });
});
