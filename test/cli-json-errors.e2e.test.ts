// With --json, every failure prints one JSON object {"error": {reason, message, exitCode, …}} on stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { daemonPid, tend } from './helpers.js';
import { home, useTendHome } from './cli-setup.js';

useTendHome();

interface JsonError {
  error: { reason: string; message: string; exitCode: number; [key: string]: unknown };
  tasks?: unknown[];
}

/**
 * Runs `tend <args>` (which must contain --json), expects it to fail and its
 * stdout to be one JSON error object on one line whose exitCode is the process's.
 */
async function failsWithJson(args: string[]): Promise<JsonError> {
  const result = await tend(home, args);
  const what = `tend ${args.join(' ')}`;
  expect(result.code, what).not.toBe(0);
  expect(
    result.stdout.endsWith('\n') && result.stdout.trim().split('\n').length === 1,
    `${what} stdout: ${result.stdout}`,
  ).toBe(true);
  const parsed = JSON.parse(result.stdout) as JsonError;
  expect(parsed.error, what).toMatchObject({
    reason: expect.any(String),
    message: expect.any(String),
    exitCode: result.code,
  });
  // The same message is on stderr for people.
  expect(result.stderr, what).toContain(`tend: ${parsed.error.message.split('\n')[0]}`);
  return parsed;
}

describe('--json failures', () => {
  it('prints the reason of an unknown task for every command that takes an id, --json before or after the command', async () => {
    for (const command of [['logs'], ['logs', '-f'], ['wait'], ['inspect'], ['kill'], ['stop'], ['rm']]) {
      const before = await failsWithJson(['--json', ...command, 'nosuchtask']);
      expect(before.error, command.join(' ')).toMatchObject({ reason: 'task_not_found', exitCode: 125 });
      const after = await failsWithJson([...command, 'nosuchtask', '--json']);
      expect(after.error.reason, command.join(' ')).toBe('task_not_found');
    }
  });

  it('says the daemon is not running for daemon status, without starting one', async () => {
    const status = await failsWithJson(['daemon', 'status', '--json']);
    expect(status.error).toMatchObject({ reason: 'daemon_unreachable', exitCode: 125 });
    expect(daemonPid(home)).toBeUndefined();
  });

  it('prints usage errors, unknown commands and bad option values as JSON', async () => {
    expect((await failsWithJson(['--json', 'frobnicate'])).error).toMatchObject({
      reason: 'usage',
      message: expect.stringContaining("'frobnicate'"),
    });
    expect((await failsWithJson(['--json', 'logs', '--lines', 'x', 'id'])).error).toMatchObject({
      reason: 'usage',
      code: 'commander.invalidArgument',
    });
    expect((await failsWithJson(['--json', 'ps', '--bogus'])).error).toMatchObject({
      reason: 'usage',
      code: 'commander.unknownOption',
    });
    expect((await failsWithJson(['--json', 'wait'])).error).toMatchObject({
      reason: 'usage',
      code: 'commander.missingArgument',
    });
    expect((await failsWithJson(['--json', 'run', '--timeout', '0', '--', 'true'])).error.message).toContain(
      '"0" is too short',
    );
    expect((await failsWithJson(['--json', 'kill', '-s', 'NOPE', 'x'])).error).toMatchObject({
      reason: 'invalid_argument',
    });
    expect(daemonPid(home)).toBeUndefined();
  });

  it('prints one object with every failure and the tasks acted on when some of several ids fail', async () => {
    const id = (await tend(home, ['run', '--', 'sleep 30'])).stdout.trim();
    const killed = await failsWithJson(['--json', 'kill', id, 'nosuchtask']);
    expect(killed.error).toMatchObject({
      reason: 'task_not_found',
      exitCode: 125,
      failures: [
        { ref: 'nosuchtask', reason: 'task_not_found', message: expect.stringContaining('nosuchtask') },
      ],
    });
    expect(killed.tasks).toEqual([expect.objectContaining({ id })]);
    const waited = await failsWithJson(['--json', 'wait', id, 'nosuchtask']);
    expect(waited.error.failures).toEqual([
      expect.objectContaining({ ref: 'nosuchtask', reason: 'task_not_found' }),
    ]);
  });

  it("names the reason of a refused remove and of a name that is another task's id", async () => {
    const id = (await tend(home, ['run', '--', 'sleep 30'])).stdout.trim();
    const removed = await failsWithJson(['--json', 'rm', id]);
    expect(removed.error).toMatchObject({
      reason: 'task_live',
      message: expect.stringContaining(`tend rm -f ${id}`),
    });
    const named = await failsWithJson(['--json', 'run', '--name', id, '--', 'true']);
    expect(named.error).toMatchObject({ reason: 'invalid_name', exitCode: 125, name: id });
  });

  it('names the config file and key of a bad config.json, without starting a daemon', async () => {
    mkdirSync(join(home, 'config'));
    writeFileSync(join(home, 'config', 'config.json'), JSON.stringify({ outputCapBytes: '64k' }));
    const failed = await failsWithJson(['--json', 'ps']);
    expect(failed.error).toMatchObject({
      reason: 'invalid_config',
      exitCode: 125,
      path: join(home, 'config', 'config.json'),
      issues: [
        { key: 'outputCapBytes', value: '64k', message: expect.stringContaining('whole number of bytes') },
      ],
    });
    expect(daemonPid(home)).toBeUndefined();
  });
});
