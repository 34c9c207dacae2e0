import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { tend, tendJson } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';
import { home, runTask, useTendHome } from './cli-setup.js';

useTendHome();

/** The task `ref` as `tend inspect` prints it. */
function inspect(ref: string): Promise<Task> {
  return tendJson<Task>(home, ['inspect', ref]);
}

describe('tend run --restart, tend restart, and restarts in ps', () => {
  it('runs a failing command again until it succeeds; wait exits 0 once it has, ps shows ↺ and --json restarts', async () => {
    const count = join(home, 'count');
    const id = await runTask([
      '--restart',
      'on-failure',
      '--max-restarts',
      '4',
      '--restart-backoff',
      '50ms',
      '--',
      `n=$(cat '${count}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${count}'; echo "run $n"; [ $n -ge 3 ]`,
    ]);
    const waited = await tend(home, ['wait', id]);
    expect(waited.code).toBe(0);
    expect((await tend(home, ['logs', id])).stdout).toBe('run 1\nrun 2\nrun 3\n');
    const task = await inspect(id);
    expect(task).toMatchObject({
      state: 'succeeded',
      restarts: 2,
      restart: { policy: 'on-failure', maxRestarts: 4, backoffMs: 50, windowMs: 60_000 },
    });
    const listed = (await tendJson<Task[]>(home, ['ps', '-a'])).find((t) => t.id === id);
    expect(listed?.restarts).toBe(2);
    const table = (await tend(home, ['ps', '-a'])).stdout;
    expect(table).toMatch(new RegExp(`${id} .*succeeded ↺ 2`));
  });

  it('refuses --max-restarts without --restart, and a bad policy, naming the option', async () => {
    const tuned = await tend(home, ['run', '--max-restarts', '3', '--', 'true']);
    expect(tuned.code).toBe(125);
    expect(tuned.stderr).toMatch(/--max-restarts.*add --restart on-failure/);
    const bad = await tend(home, ['run', '--restart', 'sometimes', '--', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/--restart.*sometimes.*on-failure, always or no/);
  });

  it('tend restart runs a running task again by name: same id, new pid, output appended', async () => {
    const id = await runTask(['--name', 'srv', '--', 'echo started; exec sleep 60']);
    await pollUntil('the first run to print', async () => (await tend(home, ['logs', id])).stdout !== '');
    const before = await inspect(id);
    const restarted = await tend(home, ['restart', '-t', '5s', 'srv']);
    expect(restarted).toMatchObject({ code: 0, stdout: `${id}\n`, stderr: '' });
    const after = await inspect(id);
    expect(after).toMatchObject({ id, state: 'running', restarts: 1 });
    expect(after.pid).not.toBe(before.pid);
    expect(isAlive(before.pid as number)).toBe(false);
    await pollUntil(
      'the second run to print',
      async () => (await tend(home, ['logs', id])).stdout === 'started\nstarted\n',
    );
    expect((await tend(home, ['ps'])).stdout).toMatch(/srv +running ↺ 1/);
    expect((await tend(home, ['stop', id])).code).toBe(0);
  });

  it('tend restart runs an ended task again, same id, its output appended', async () => {
    const id = await runTask(['--', 'echo done']);
    expect((await tend(home, ['wait', id])).code).toBe(0);
    const again = await tendJson<Task>(home, ['restart', id]);
    expect(again).toMatchObject({ id, restarts: 1 });
    expect((await tend(home, ['wait', id])).code).toBe(0);
    expect(await inspect(id)).toMatchObject({ state: 'succeeded', restarts: 1 });
    expect((await tend(home, ['logs', id])).stdout).toBe('done\ndone\n');
  });

  it('tend restart of an unknown task fails with 125, naming it', async () => {
    const result = await tend(home, ['restart', 'nosuchtask']);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('nosuchtask');
  });
});
