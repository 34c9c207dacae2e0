import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, daemonPid, makeTendHome, runWaited, tend, tendJson } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

let home: string;

beforeAll(() => {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`);
});

beforeEach(() => {
  home = makeTendHome();
});

afterEach(async () => {
  await cleanUpTendHome(home);
});

/** Runs `tend run <args>` and returns the id it printed, checking it is the only output. */
async function runTask(args: string[]): Promise<string> {
  const result = await tend(home, ['run', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^[a-z0-9]+\n$/);
  return result.stdout.trim();
}

/** Polls `tend ps -a --json` until the task is listed in a terminal state, and returns it. */
async function endedTask(id: string): Promise<Task> {
  return pollUntil(`task ${id} to end`, async () => {
    const tasks = await tendJson<Task[]>(home, ['ps', '-a']);
    const task = tasks.find((t) => t.id === id);
    return task && !['starting', 'running', 'stopping'].includes(task.state) ? task : undefined;
  });
}

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

describe('tend kill, stop and rm', () => {
  it('kills a running task with SIGKILL, after which wait exits 137 and rm removes it', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const killed = await tend(home, ['kill', id]);
    expect(killed.code).toBe(0);
    expect(killed.stdout).toBe(`${id}\n`);
    const waited = await tend(home, ['wait', id]);
    expect([137, 143]).toContain(waited.code);
    expect(await endedTask(id)).toMatchObject({ state: 'killed' });

    const removed = await tendJson<Task>(home, ['rm', id]);
    expect(removed.id).toBe(id);
    expect((await tendJson<Task[]>(home, ['ps', '-a'])).some((t) => t.id === id)).toBe(false);
  });

  it('stops a running task with SIGTERM and returns once it has ended', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const stopped = await tendJson<Task>(home, ['stop', '-t', '5s', id]);
    expect(stopped).toMatchObject({ id, state: 'killed' });
    expect((await tend(home, ['wait', id])).code).toBe(143);
  });

  it('accepts kill -s with a short name, a full name or a number, and rejects an unknown signal', async () => {
    for (const signal of ['TERM', 'SIGTERM', '15']) {
      const id = await runTask(['--', 'sleep 30']);
      expect((await tend(home, ['kill', '-s', signal, id])).code, signal).toBe(0);
      expect((await tend(home, ['wait', id])).code, signal).toBe(143);
      expect(await endedTask(id), signal).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
    }
    const bad = await tend(home, ['kill', '-s', 'NOPE', 'whatever']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe(
      'tend: unknown signal "NOPE"; give a name like TERM or SIGKILL, or a number like 15\n',
    );
  });

  it('refuses to remove a live task without -f and removes it with -f', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const refused = await tend(home, ['rm', id]);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/^tend: /);
    expect((await tend(home, ['rm', '-f', id])).code).toBe(0);
    expect((await tendJson<Task[]>(home, ['ps', '-a'])).some((t) => t.id === id)).toBe(false);
  });
});

describe('tend errors', () => {
  it('exits 125 with a message naming an unknown task id, for every command that takes one', async () => {
    for (const command of [['logs'], ['wait'], ['inspect'], ['kill'], ['stop'], ['rm']]) {
      const result = await tend(home, [...command, 'nosuchtask']);
      expect(result.code, command.join(' ')).toBe(125);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^tend: .*nosuchtask/);
    }
  });

  it('exits 125 with a tend: message for usage errors, naming the bad argument', async () => {
    const badEnv = await tend(home, ['run', '-e', '=NOKEY', '--', 'true']);
    expect(badEnv.code).toBe(125);
    expect(badEnv.stderr).toMatch(/^tend: .*=NOKEY.*KEY=VALUE/);
    const badDuration = await tend(home, ['wait', '--timeout', 'soon', 'x']);
    expect(badDuration.code).toBe(125);
    expect(badDuration.stderr).toMatch(/^tend: .*"soon" is not a duration/);
    const unknown = await tend(home, ['frobnicate']);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toMatch(/^tend: unknown command 'frobnicate'/);
    expect((await tend(home, ['run'])).code).toBe(125);
    // None of these needed a daemon.
    expect(daemonPid(home)).toBeUndefined();
  });

  it('exits 0 for --help and --version and lists the exit codes in the help', async () => {
    const help = await tend(home, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/125 +tend itself failed/);
    expect((await tend(home, ['--version'])).code).toBe(0);
  });
});

describe('tend daemon', () => {
  it('reports pid, version, protocol version, socket and start time with daemon status --json', async () => {
    const started = await tend(home, ['daemon', 'start']);
    expect(started.code).toBe(0);
    const pid = Number(started.stdout.trim());
    const status = await tendJson<Record<string, unknown>>(home, ['daemon', 'status']);
    expect(status).toMatchObject({
      pid,
      version: expect.any(String),
      protocolVersion: expect.any(Number),
      socket: join(home, 'run', 'tend.sock'),
    });
    expect(Date.parse(status.startedAt as string)).not.toBeNaN();
    expect(daemonPid(home)).toBe(pid);
  });

  it('stops the daemon and waits for its process to be gone; status then exits 125', async () => {
    const pid = Number((await tend(home, ['daemon', 'start'])).stdout.trim());
    const stopped = await tend(home, ['daemon', 'stop']);
    expect(stopped.code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    const status = await tend(home, ['daemon', 'status']);
    expect(status.code).toBe(125);
    expect(status.stderr).toMatch(/^tend: daemon is not running/);
    const again = await tend(home, ['daemon', 'stop']);
    expect(again.code).toBe(0);
  });

  it('restarts the daemon while a task keeps running, and the new daemon still knows the task', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const before = await tendJson<Task>(home, ['inspect', id]);
    const oldPid = daemonPid(home)!;
    const restarted = await tend(home, ['daemon', 'restart']);
    expect(restarted.code).toBe(0);
    const newPid = Number(restarted.stdout.trim());
    expect(newPid).not.toBe(oldPid);
    expect(isAlive(oldPid)).toBe(false);
    const after = await tendJson<Task>(home, ['inspect', id]);
    expect(after).toMatchObject({ id, state: 'running', pid: before.pid });
    expect((await tend(home, ['kill', id])).code).toBe(0);
    expect([137, 143]).toContain((await tend(home, ['wait', id])).code);
  });
});
