import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, cliEnv, daemonPid, makeTendHome, tend, tendJson } from './helpers.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';

// Attached runs (`tend run --wait`, `-a`): the task's output streams to stdout as it is
// written, the CLI exits with the task's code; Ctrl-C detaches, or with --sig-proxy goes to the task.

let home: string;

beforeEach(() => {
  home = makeTendHome();
});
afterEach(async () => {
  await cleanUpTendHome(home);
});

/** An attached `tend run` left running: its pid, the bytes it printed so far, and how it ended. */
interface Attached {
  pid: number;
  stdout(): Buffer;
  stderr(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }>;
}

/** Starts the built CLI with `args` in TEND_HOME=`home`, stdout and stderr piped (not a terminal). */
function startTend(args: readonly string[]): Attached {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: cliEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Awaited<Attached['done']>>((resolve, reject) => {
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tend ${args.join(' ')} did not exit within 25 s; stderr: ${stderr}`));
    }, 25_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr });
    });
  });
  return { pid: child.pid!, stdout: () => Buffer.concat(out), stderr: () => stderr, done };
}

/** Waits until the attached run has printed exactly `text`. */
async function printed(run: Attached, text: string): Promise<void> {
  await pollUntil(`the attached run to print ${JSON.stringify(text)}`, () =>
    run.stdout().toString('latin1') === text ? true : undefined,
  );
}

/** The one task of this home (each test starts one). */
async function onlyTask(): Promise<Task> {
  const tasks = await tendJson<Task[]>(home, ['ps', '-a']);
  expect(tasks).toHaveLength(1);
  return tasks[0]!;
}

describe.each([['--wait'], ['-a'], ['--attach']])('tend run %s', (flag) => {
  it("streams the task's output (stdout and stderr, byte for byte) while it runs, then exits with its code", async () => {
    const go = join(home, 'go');
    const run = startTend([
      'run',
      flag,
      '--',
      `echo first; ${untilFileExists(go, home)}; printf 'bin \\377\\n'; echo err >&2; printf tail; exit 5`,
    ]);
    await printed(run, 'first\n');
    // The first line is out while the task still waits for the file: streamed, not printed at the end.
    expect((await onlyTask()).state).toBe('running');

    writeFileSync(go, '');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toBe('');
    expect(result.stdout.equals(Buffer.from('first\nbin \xff\nerr\ntail', 'latin1'))).toBe(true);
  });
});

describe('Ctrl-C in an attached run', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s detaches: the CLI says how to stop the task and ends by that signal; the task keeps running',
    async (signal) => {
      const go = join(home, 'go');
      const run = startTend(['run', '-a', '--', `echo first; ${untilFileExists(go, home)}; exit 3`]);
      await printed(run, 'first\n');
      process.kill(run.pid, signal);
      const result = await run.done;

      const task = await onlyTask();
      expect(result).toMatchObject({ code: null, signal });
      expect(result.stderr).toBe(`tend: task ${task.id} keeps running; \`tend stop ${task.id}\` to end it\n`);
      expect(task.state).toBe('running');
      // It was not signalled: once released it ends on its own, with its own code.
      writeFileSync(go, '');
      expect(await tend(home, ['wait', task.id])).toMatchObject({ code: 3 });
      expect(await tendJson<Task>(home, ['inspect', task.id])).toMatchObject({
        state: 'failed',
        exitCode: 3,
      });
    },
  );

  it('with --sig-proxy, SIGINT goes to the task, the output keeps streaming and the CLI exits with its code', async () => {
    const run = startTend([
      'run',
      '-a',
      '--sig-proxy',
      '--',
      `trap 'echo got INT; exit 42' INT; echo ready; while [ -d ${home} ]; do sleep 0.05; done`,
    ]);
    await printed(run, 'ready\n');
    process.kill(run.pid, 'SIGINT');
    const result = await run.done;

    expect(result).toMatchObject({ code: 42, signal: null, stderr: '' });
    expect(result.stdout.toString()).toBe('ready\ngot INT\n');
    expect(await onlyTask()).toMatchObject({ exitCode: 42 });
  });

  it('with --sig-proxy, a task that does not catch SIGINT ends by it: exit 130 (128 + 2)', async () => {
    const run = startTend([
      'run',
      '--wait',
      '--sig-proxy',
      '--',
      `echo ready; while [ -d ${home} ]; do sleep 0.05; done`,
    ]);
    await printed(run, 'ready\n');
    process.kill(run.pid, 'SIGINT');
    const result = await run.done;

    expect(result).toMatchObject({ code: 130, signal: null, stderr: '' });
    expect(await onlyTask()).toMatchObject({ signal: 'SIGINT' });
  });
});

describe('tend run options around attaching', () => {
  it('refuses --sig-proxy without --wait or -a, before starting a daemon', async () => {
    const result = await tend(home, ['run', '--sig-proxy', '--', 'true']);
    expect(result).toEqual({
      code: 125,
      stdout: '',
      stderr: 'tend: --sig-proxy forwards signals to an attached run: add -a (or --wait)\n',
    });
    expect(daemonPid(home)).toBeUndefined();
  });

  it('prints only the ended task as JSON with --json --wait (no output streamed), and only the id without --wait', async () => {
    const waited = await tend(home, ['--json', 'run', '--wait', '--', 'echo hello; exit 4']);
    expect(waited.code).toBe(4);
    expect(JSON.parse(waited.stdout)).toMatchObject({ state: 'failed', exitCode: 4 });
    const detached = await tend(home, ['run', '--', 'echo hello']);
    expect(detached).toMatchObject({ code: 0, stderr: '' });
    expect(detached.stdout).toMatch(/^[a-z0-9]+\n$/);
  });
});
