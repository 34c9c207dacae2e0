import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { tend, tendJson } from './helpers.js';
import { home, useTendHome } from './cli-setup.js';
import { pollUntil } from './support/poll.mjs';

useTendHome();

/** Starts `command` as a task and returns its id. */
async function start(command: string): Promise<string> {
  const result = await tend(home, ['run', '--', command]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** Polls until every task in `ids` has ended (so that the waits below see ended tasks and live ones alike). */
async function ended(ids: string[]): Promise<void> {
  await pollUntil(`tasks ${ids.join(', ')} to end`, async () => {
    const tasks = await tendJson<Task[]>(home, ['ps', '-a']);
    return ids.every((id) =>
      tasks.some((t) => t.id === id && !['starting', 'running', 'stopping', 'restarting'].includes(t.state)),
    )
      ? true
      : undefined;
  });
}

describe('tend wait over several tasks', () => {
  it("exits with the failure's code whether the failed task comes first, in the middle or last, and 0 only when all succeeded", async () => {
    const ok1 = await start('true');
    const ok2 = await start('exit 0');
    const bad = await start('exit 3');
    await ended([ok1, ok2, bad]);
    for (const order of [
      [bad, ok1, ok2],
      [ok1, bad, ok2],
      [ok1, ok2, bad],
    ]) {
      const result = await tend(home, ['wait', ...order]);
      expect(result.code, order.join(' ')).toBe(3);
    }
    const all = await tend(home, ['wait', ok1, ok2]);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(`${ok1} succeeded (exit code 0)\n${ok2} succeeded (exit code 0)\n`);
  });

  it("exits with the first failure in argument order and prints every task's status, one line each", async () => {
    const three = await start('exit 3');
    const ok = await start('true');
    const signalled = await start('kill -TERM $$');
    await ended([three, ok, signalled]);
    const result = await tend(home, ['wait', ok, signalled, three]);
    expect(result.code).toBe(143);
    expect(result.stdout).toBe(
      `${ok} succeeded (exit code 0)\n${signalled} killed (signal SIGTERM)\n${three} failed (exit code 3)\n`,
    );
    expect((await tend(home, ['wait', ok, three, signalled])).code).toBe(3);
  });

  it('waits for a task still running after an ended failure, and still exits with the failure', async () => {
    const bad = await start('exit 4');
    const slow = await start('sleep 1');
    const result = await tend(home, ['wait', bad, slow]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe(`${bad} failed (exit code 4)\n${slow} succeeded (exit code 0)\n`);
  });

  it('counts an unknown id (125) and a timeout (124) as failures in their position, and says so on stderr', async () => {
    const bad = await start('exit 3');
    const sleeper = await start('sleep 30');
    await ended([bad]);
    const unknownFirst = await tend(home, ['wait', 'nosuchtask', bad]);
    expect(unknownFirst.code).toBe(125);
    expect(unknownFirst.stderr).toContain('tend: no task has id, id prefix or name "nosuchtask"');
    expect((await tend(home, ['wait', bad, 'nosuchtask'])).code).toBe(3);
    const timedOut = await tend(home, ['wait', '--timeout', '200ms', sleeper, bad]);
    expect(timedOut.code).toBe(124);
    expect(timedOut.stderr).toContain(`tend: timed out waiting for task ${sleeper} (still running)`);
    expect((await tend(home, ['wait', '--timeout', '200ms', bad, sleeper])).code).toBe(3);
  });

  it('prints the array of tasks with --json, and exits with the failure', async () => {
    const ok = await start('true');
    const bad = await start('exit 5');
    await ended([ok, bad]);
    const result = await tend(home, ['--json', 'wait', bad, ok]);
    expect(result.code).toBe(5);
    const tasks = JSON.parse(result.stdout) as Task[];
    expect(tasks.map((t) => [t.id, t.state, t.exitCode])).toEqual([
      [bad, 'failed', 5],
      [ok, 'succeeded', 0],
    ]);
  });
});
