import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { runWaited, tend, tendJson } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';
import { endedTask, home, runTask, useTendHome } from './cli-setup.js';

useTendHome();

describe('tend run, ps, logs, wait and inspect', () => {
  it('starts a task that outlives the CLI, which other CLI processes list as running, read and wait for until it exits with 3', async () => {
    const release = join(home, 'release');
    const id = await runTask([
      '--',
      `echo one; echo two; while [ ! -e '${release}' ]; do sleep 0.05; done; sleep 0.2; echo three; exit 3`,
    ]);

    // The `tend run` process has exited (runTask awaited it); a new CLI process finds the task running.
    const live = await tendJson<Task[]>(home, ['ps']);
    const task = live.find((t) => t.id === id);
    expect(task).toMatchObject({ id, state: 'running' });
    expect(task?.pid).toBeGreaterThan(1);
    expect(isAlive(task!.pid!)).toBe(true);

    const firstLines = await pollUntil('the first two lines in the log', async () => {
      const { code, stdout } = await tend(home, ['logs', id]);
      expect(code).toBe(0);
      return stdout === 'one\ntwo\n' ? stdout : undefined;
    });
    expect(firstLines).toBe('one\ntwo\n');

    writeFileSync(release, '');
    const waited = await tend(home, ['wait', id]);
    expect(waited.code).toBe(3);
    expect(waited.stdout).toBe('');

    expect((await tend(home, ['logs', id])).stdout).toBe('one\ntwo\nthree\n');
    expect((await tendJson<Task[]>(home, ['ps'])).some((t) => t.id === id)).toBe(false);
    const ended = (await tendJson<Task[]>(home, ['ps', '-a'])).find((t) => t.id === id);
    expect(ended).toMatchObject({ id, state: 'failed', exitCode: 3 });

    const inspected = await tendJson<Task>(home, ['inspect', id]);
    expect(inspected).toMatchObject({ id, state: 'failed', exitCode: 3, cwd: process.cwd() });
    expect(JSON.parse((await tend(home, ['inspect', id])).stdout)).toEqual(inspected);
  });

  it('prints the task as a JSON document with --json, including the command, cwd, env and name given', async () => {
    const cwd = join(home, 'work dir');
    mkdirSync(cwd);
    const task = await tendJson<Task>(home, [
      'run',
      '--name',
      'greeter',
      '--cwd',
      cwd,
      '-e',
      'GREETING=hi=there',
      '--',
      'echo "$GREETING"; pwd',
    ]);
    expect(task).toMatchObject({
      name: 'greeter',
      cwd,
      env: { GREETING: 'hi=there' },
      command: 'echo "$GREETING"; pwd',
    });
    expect((await tend(home, ['wait', 'greeter'])).code).toBe(0);
    expect((await tend(home, ['logs', task.id])).stdout).toBe(`hi=there\n${cwd}\n`);
  });

  it('quotes several command words so that the shell passes each one through literally', async () => {
    const result = await tend(home, ['run', '--wait', '--', 'printf', '%s\\n', 'a b', '$HOME', 'x;y']);
    expect(result).toEqual({ code: 0, stdout: 'a b\n$HOME\nx;y\n', stderr: '' });
  });

  it("exits with the task's own exit code after run --wait, having printed its output", async () => {
    const result = await tend(home, ['run', '--wait', '--', 'echo done; exit 7']);
    expect(result).toEqual({ code: 7, stdout: 'done\n', stderr: '' });
    const [task] = await tendJson<Task[]>(home, ['ps', '-a']);
    expect(await endedTask(task!.id)).toMatchObject({ state: 'failed', exitCode: 7 });

    const json = await tendJson<Task>(home, ['run', '--wait', '--', 'true']);
    expect(json).toMatchObject({ state: 'succeeded', exitCode: 0 });
  });

  it('prints the last lines with logs -n, the first with --head, the last bytes with --bytes, and one JSON result with --json', async () => {
    const id = await runWaited(home, ['--', "printf 'l1\\nl2\\nl3\\nl4\\nl5\\n'"]);
    expect((await tend(home, ['logs', id, '-n', '2'])).stdout).toBe('l4\nl5\n');
    expect((await tend(home, ['logs', id, '--head', '2'])).stdout).toBe('l1\nl2\n');
    expect((await tend(home, ['logs', id, '--bytes', '3'])).stdout).toBe('l5\n');
    const read = await tendJson<{ data: string; totalBytes: number; ended: boolean }>(home, ['logs', id]);
    expect(read).toMatchObject({ data: 'l1\nl2\nl3\nl4\nl5\n', totalBytes: 15, ended: true });
  });

  it('pages through logs larger than one read (1 MiB), for the whole log, --head, --bytes and -n', async () => {
    const line = 'x'.repeat(99);
    const id = await runWaited(home, ['--', `yes ${line} | head -n 25000`]);
    expect((await tendJson<Task>(home, ['inspect', id])).outputBytes).toBe(25_000 * 100);
    const whole = await tend(home, ['logs', id]);
    expect(whole.stdout.length).toBe(25_000 * 100);
    expect(whole.stdout).toBe(`${line}\n`.repeat(25_000));
    const head = (await tend(home, ['logs', id, '--head', '20000'])).stdout;
    expect(head.length).toBe(20_000 * 100);
    expect(head).toBe(`${line}\n`.repeat(20_000));
    const lastBytes = (await tend(home, ['logs', id, '--bytes', '1500000'])).stdout;
    expect(lastBytes.length).toBe(1_500_000);
    expect(lastBytes).toBe(`${line}\n`.repeat(15_000));
    const tail = (await tend(home, ['logs', id, '-n', '15000'])).stdout;
    expect(tail.length).toBe(15_000 * 100);
    expect(tail).toBe(`${line}\n`.repeat(15_000));
  });

  it('records the session given with --session or TEND_SESSION on the tasks started', async () => {
    expect(await tendJson<Task>(home, ['run', '--session', 'agent-1', '--', 'true'])).toMatchObject({
      session: 'agent-1',
    });
    const viaEnv = await tend(home, ['--json', 'run', '--', 'true'], { env: { TEND_SESSION: 'agent-2' } });
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ session: 'agent-2' });
  });

  it('follows a log with logs -f until the task has ended and every line is printed', async () => {
    const id = await runTask(['--', 'for i in 1 2 3 4 5; do echo "line $i"; sleep 0.1; done']);
    const followed = await tend(home, ['logs', '-f', id]);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    expect(await endedTask(id)).toMatchObject({ state: 'succeeded', exitCode: 0 });
  });

  it('prints one JSON line per chunk with logs -f --json, the last one saying the task ended', async () => {
    const id = await runTask(['--', 'echo a; sleep 0.3; echo b']);
    const followed = await tend(home, ['logs', '-f', '--json', id]);
    expect(followed.code).toBe(0);
    const chunks = followed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { data: string; ended: boolean });
    expect(chunks.map((c) => c.data).join('')).toBe('a\nb\n');
    expect(chunks.at(-1)?.ended).toBe(true);
  });

  it('exits 124 from wait --timeout while the task is still running', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const result = await tend(home, ['wait', '--timeout', '200ms', id]);
    expect(result.code).toBe(124);
    expect(result.stderr).toMatch(/^tend: timed out waiting for task/);
  });
});
