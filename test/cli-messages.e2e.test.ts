import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { daemonPid, runWaited, tend, tendJson } from './helpers.js';
import { home, useTendHome } from './cli-setup.js';
import { pollUntil } from './support/poll.mjs';

useTendHome();

/** Starts `command` as a task and returns its id. */
async function start(args: string[]): Promise<string> {
  const result = await tend(home, ['run', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

describe('help', () => {
  it('prints the help on stdout and exits 0 for tend alone and tend daemon alone', async () => {
    const bare = await tend(home, []);
    expect(bare).toMatchObject({ code: 0, stderr: '' });
    expect(bare.stdout).toMatch(/^Usage: tend \[options\] \[command\]/);
    const daemon = await tend(home, ['daemon']);
    expect(daemon).toMatchObject({ code: 0, stderr: '' });
    expect(daemon.stdout).toMatch(/^Usage: tend daemon/);
  });

  it('refuses an unknown command given with --help instead of printing the main help', async () => {
    const result = await tend(home, ['stats', '--help']);
    expect(result.code).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^tend: unknown command 'stats'; the commands of tend are run, ps, up, down, logs, .*, context \(see tend --help\)/,
    );
    expect(result.stderr).not.toContain('__complete');
    expect((await tend(home, ['daemon', 'frob', '-h'])).stderr).toMatch(
      /^tend: unknown command 'frob'; the commands of tend daemon are start, stop, restart, status/,
    );
    expect((await tend(home, ['logs', '--help'])).stdout).toMatch(/^Usage: tend logs/);
  });

  it('offers --session only on the commands that use it, and refuses it before the others', async () => {
    expect((await tend(home, ['logs', '--help'])).stdout).not.toContain('--session');
    expect((await tend(home, ['run', '--help'])).stdout).toContain('--session');
    const global = await tend(home, ['--session', 's1', 'logs', 'x']);
    expect(global.code).toBe(125);
    expect(global.stderr).toBe(
      'tend: --session does nothing for tend logs; it applies to run, inbox, mcp, hook and (as a filter) ps: leave it out\n',
    );
  });

  it('says the one stop grace default in the help of stop', async () => {
    expect((await tend(home, ['stop', '--help'])).stdout).toMatch(/default: 10s, as\s+docker stop/);
  });
});

describe('durations', () => {
  it("refuses --timeout 0 and an overlong timeout once, in the option's words, without asking the daemon", async () => {
    const zero = await tend(home, ['run', '--timeout', '0', '--', 'true']);
    expect(zero.code).toBe(125);
    expect(zero.stderr).toBe(
      `tend: option '--timeout <duration>' argument '0' is invalid. "0" is too short: it must be more than 0; leave --timeout out for no deadline\n`,
    );
    const long = await tend(home, ['run', '--timeout', '99999999999d', '--', 'true']);
    expect(long.stderr).toBe(
      `tend: option '--timeout <duration>' argument '99999999999d' is invalid. "99999999999d" is too long: it must be at most 30d\n`,
    );
    expect((await tend(home, ['stop', '-t', '10m', 'x'])).stderr).toContain(
      '"10m" is too long: it must be at most 5m',
    );
    expect(daemonPid(home)).toBeUndefined();
  });

  it('reads a bare number in exponent notation as seconds, as the help says', async () => {
    const task = await tendJson<Task>(home, ['run', '--timeout', '1e3', '--', 'true']);
    expect(task.timeoutMs).toBe(1_000_000);
  });
});

describe('task messages and conventions', () => {
  it('tells how to remove a live task: tend stop, or tend rm -f', async () => {
    const id = await start(['--', 'sleep 30']);
    const refused = await tend(home, ['rm', id]);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toBe(
      `tend: task ${id} is still running: stop it first (tend stop ${id}), or stop and remove it at once with tend rm -f ${id}\n`,
    );
  });

  it('exits 0 from stop of a task that had already ended, saying so, as docker stop does', async () => {
    const id = await start(['--', 'exit 2']);
    await pollUntil('the task to end', async () =>
      (await tendJson<Task>(home, ['inspect', id])).state === 'failed' ? true : undefined,
    );
    const stopped = await tend(home, ['stop', id]);
    expect(stopped).toEqual({
      code: 0,
      stdout: `${id}\n`,
      stderr: `tend: task ${id} had already ended (failed)\n`,
    });
  });

  it("refuses a name equal to another task's id (invalid_name), which would shadow it", async () => {
    const id = await start(['--', 'true']);
    const named = await tend(home, ['run', '--name', id, '--', 'true']);
    expect(named.code).toBe(125);
    expect(named.stderr).toBe(`tend: the name "${id}" is the id of another task; pick another name\n`);
    expect((await tendJson<Task>(home, ['inspect', id])).command).toBe('true');
  });

  it('checks a --name before asking the daemon, and names tend stop and --reuse for a name in use', async () => {
    const bad = await tend(home, ['run', '--name', 'a b', '--', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe(
      `tend: option '--name <name>' argument 'a b' is invalid. a task name is 1 to 64 letters, digits, ".", "_" or "-", ` +
        'starting with a letter or digit (e.g. web or api-2)\n',
    );
    expect(daemonPid(home)).toBeUndefined();
    await start(['--name', 'web', '--', 'sleep 30']);
    const taken = await tend(home, ['run', '--name', 'web', '--', 'sleep 30']);
    expect(taken.code).toBe(125);
    expect(taken.stderr).toBe(
      'tend: a live task is already named "web": stop it first (tend stop web), pick another --name, ' +
        'or add --reuse to use that task when it runs the same command in the same directory\n',
    );
  });

  it('exits 1 from logs --grep when no line matches, as grep does, and 0 when one does', async () => {
    const id = await runWaited(home, ['--', 'echo alpha; echo beta']);
    const none = await tend(home, ['logs', id, '--grep', 'gamma']);
    expect(none).toEqual({ code: 1, stdout: '', stderr: '' });
    const some = await tend(home, ['logs', id, '--grep', 'bet']);
    expect(some).toEqual({ code: 0, stdout: 'beta\n', stderr: '' });
  });
});
