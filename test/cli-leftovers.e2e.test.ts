import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { home, runTask, useTendHome } from './cli-setup.js';
import { tend, tendJson } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive, type OwnedProcess, recordProcess, signalIfOurs } from './support/processes.mjs';

// Issue 12 through the CLI: `ps` shows leftovers and stopped tasks, `stop` ends leftovers and says
// what it signalled, `run --kill-leftovers` leaves nothing behind.

useTendHome();

/** Processes the tasks of a test reported (`$!`, `$$`), killed after it if still theirs. */
const recorded: OwnedProcess[] = [];
afterEach(() => {
  for (const owned of recorded.splice(0)) signalIfOurs(owned, 'SIGKILL');
});

async function recordedPid(file: string): Promise<number> {
  const pid = await pollUntil(`a pid in ${file}`, () => {
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    return /^\d+$/.test(text) ? Number(text) : undefined;
  });
  recorded.push(recordProcess(pid));
  return pid;
}

/** The STATE cell of task `id` in `tend ps -a`. */
async function stateCell(id: string): Promise<string | undefined> {
  const { stdout } = await tend(home, ['ps', '-a']);
  const line = stdout.split('\n').find((l) => l.startsWith(id));
  return line?.split(/ {2,}/)[1];
}

describe('tend and leftovers', () => {
  it('run --wait reports success, ps shows the leftover, stop ends it and says so', async () => {
    const pidFile = join(home, 'leftover.pid');
    const run = await tend(home, ['run', '--wait', '--', `sleep 100 & echo $! > ${pidFile}; exit 0`]);
    const leftover = await recordedPid(pidFile);
    expect(run.code).toBe(0);
    // Attached, the id is not printed: the warning names it.
    const warning =
      /^tend: task ([a-z0-9]+) ended, but 1 process it started still runs \(tend stop \1 ends it\)\n$/;
    const id = warning.exec(run.stderr)?.[1];
    expect(id, run.stderr).toBeDefined();
    const task = await tendJson<Task>(home, ['inspect', id as string]);
    expect(task).toMatchObject({ state: 'succeeded', leftovers: { count: 1, running: true } });
    expect(await stateCell(task.id)).toBe('succeeded, 1 leftover running');

    const stop = await tend(home, ['stop', task.id]);
    expect(stop).toEqual({
      code: 0,
      stdout: `${task.id}\n`,
      stderr: `tend: stopped ${task.id}: 1 process signalled, 0 remaining\n`,
    });
    expect(isAlive(leftover)).toBe(false);
    expect(await stateCell(task.id)).toBe('succeeded');
    expect((await tendJson<Task>(home, ['inspect', task.id])).leftovers).toEqual({
      count: 1,
      running: false,
    });
  });

  it('run --kill-leftovers leaves nothing running once the command ends', async () => {
    const pidFile = join(home, 'leftover.pid');
    const run = await tend(home, [
      'run',
      '--json',
      '--wait',
      '--kill-leftovers',
      '--',
      `sleep 100 & echo $! > ${pidFile}; exit 0`,
    ]);
    const task = JSON.parse(run.stdout) as Task;
    const leftover = await recordedPid(pidFile);
    expect(task).toMatchObject({ state: 'succeeded', leftovers: { count: 1, running: false } });
    await pollUntil('the leftover to be gone', () => !isAlive(leftover), { timeoutMs: 2_000 });
    expect(await stateCell(task.id)).toBe('succeeded');
  });

  it('ps shows a SIGSTOPped task as stopped, and stop -t 5s ends it by SIGTERM with its proof', async () => {
    const pidFile = join(home, 'command.pid');
    const id = await runTask(['--', `echo $$ > ${pidFile}; exec sleep 100`]);
    const command = await recordedPid(pidFile);
    expect((await tend(home, ['kill', '-s', 'STOP', id])).code).toBe(0);
    await pollUntil('ps to show the task stopped', async () => (await stateCell(id)) === 'running, stopped');
    const stopped = await tendJson<Task & { stop: { signalled: number; remaining: number } }>(home, [
      'stop',
      '-t',
      '5s',
      id,
    ]);
    expect(stopped).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
    expect(stopped.stop.signalled).toBeGreaterThanOrEqual(2);
    expect(stopped.stop.remaining).toBe(0);
    expect(isAlive(command)).toBe(false);
  });
});
