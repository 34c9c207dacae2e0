import { describe, expect, it } from 'vitest';
import { parseParams } from './method.js';
import { TaskRun } from './methods/task-run.js';
import { refusal, run } from './test-support/params.js';

// task/run params: defaults, limits and refusals, and reuse.

describe('task/run params', () => {
  it('applies the defaults: env is {}, inheritEnv is true, tty and reuse are false, notify true, trigger false, lifetime is persistent, and adds nothing else', () => {
    expect(parseParams(TaskRun, run)).toEqual({
      command: 'make test',
      cwd: '/home/ada/src',
      env: {},
      inheritEnv: true,
      tty: false,
      notify: true,
      trigger: false,
      lifetime: 'persistent',
      reuse: false,
    });
  });

  it('keeps every value the client gave', () => {
    const full = {
      ...run,
      env: { CI: '1', EMPTY: '' },
      inheritEnv: false,
      tty: true,
      description: 'unit tests of the 2.x branch',
      notify: false,
      trigger: true,
      name: 'unit-tests_2.x',
      timeoutMs: 60_000,
      lifetime: 'session',
      ttlMs: 7_200_000,
      reuse: true,
      killLeftovers: true,
    };
    expect(parseParams(TaskRun, full)).toEqual(full);
  });

  it('leaves killLeftovers out unless given (the daemon applies its config), and takes only a boolean', () => {
    expect(parseParams(TaskRun, run)).not.toHaveProperty('killLeftovers');
    expect(refusal(TaskRun, { ...run, killLeftovers: 'yes' }).issues[0]).toMatch(/^killLeftovers: /);
  });

  it('refuses a blank description or one over 500 characters', () => {
    expect(refusal(TaskRun, { ...run, description: '  ' }).issues[0]).toMatch(
      /^description: must not be blank/,
    );
    expect(refusal(TaskRun, { ...run, description: 'd'.repeat(501) }).issues[0]).toMatch(
      /^description: must be at most 500 characters/,
    );
    expect(parseParams(TaskRun, { ...run, description: 'd'.repeat(500) }).description).toHaveLength(500);
  });

  it('refuses an empty command, naming the field and quoting the value', () => {
    expect(refusal(TaskRun, { ...run, command: '' }).message).toBe(
      'invalid params for task/run: command: must be a non-empty shell command (got "")',
    );
  });

  it('refuses a command made only of whitespace', () => {
    expect(refusal(TaskRun, { ...run, command: ' \t\n ' }).issues).toEqual([
      'command: must be a non-empty shell command (got " \\t\\n ")',
    ]);
  });

  it('refuses a relative cwd', () => {
    expect(refusal(TaskRun, { ...run, cwd: 'src/app' }).message).toBe(
      'invalid params for task/run: cwd: must be an absolute path (got "src/app")',
    );
  });

  it('refuses a negative timeoutMs with the documented message', () => {
    expect(refusal(TaskRun, { ...run, timeoutMs: -5 }).message).toBe(
      'invalid params for task/run: timeoutMs: must be a positive number of ms (got -5)',
    );
  });

  it('refuses a fractional timeoutMs as not a whole number of ms', () => {
    expect(refusal(TaskRun, { ...run, timeoutMs: 1.5 }).issues).toEqual([
      'timeoutMs: must be an integer number of ms (got 1.5)',
    ]);
  });

  it('refuses a zero timeoutMs and one over 30 days, but accepts exactly 30 days', () => {
    expect(refusal(TaskRun, { ...run, timeoutMs: 0 }).issues).toEqual([
      'timeoutMs: must be a positive number of ms (got 0)',
    ]);
    const thirtyDays = 30 * 24 * 3600 * 1000;
    expect(refusal(TaskRun, { ...run, timeoutMs: thirtyDays + 1 }).issues).toEqual([
      `timeoutMs: must be at most 30 days (got ${thirtyDays + 1})`,
    ]);
    expect(parseParams(TaskRun, { ...run, timeoutMs: thirtyDays }).timeoutMs).toBe(thirtyDays);
  });

  it('refuses a timeoutMs given as a string', () => {
    expect(refusal(TaskRun, { ...run, timeoutMs: '5000' }).issues).toEqual([
      'timeoutMs: Invalid input: expected number, received string (got "5000")',
    ]);
  });

  it('refuses non-string env values, naming each variable', () => {
    const error = refusal(TaskRun, { ...run, env: { DEBUG: 1, OK: 'yes', VERBOSE: true } });
    expect(error.issues).toEqual([
      'env.DEBUG: env values must be strings (got 1)',
      'env.VERBOSE: env values must be strings (got true)',
    ]);
  });

  it('refuses unknown fields and names every one of them', () => {
    expect(refusal(TaskRun, { ...run, timeout: 5, shell: 'zsh' }).message).toBe(
      'invalid params for task/run: params: unknown field(s) "timeout", "shell"',
    );
  });

  it.each([
    ['-leading-dash', 'starts with punctuation'],
    ['.hidden', 'starts with a dot'],
    ['has space', 'holds a space'],
    ['slash/name', 'holds a slash'],
    ['', 'is empty'],
    ['a'.repeat(65), 'is 65 characters long'],
  ])('refuses the task name %j, which %s', (name) => {
    const [issue] = refusal(TaskRun, { ...run, name }).issues;
    expect(issue).toBe(
      `name: must start with a letter or digit and hold only letters, digits, ".", "_" or "-" (at most 64) (got ${JSON.stringify(name)})`,
    );
  });

  it.each(['a', '9lives', 'web.dev_server-2', 'x'.repeat(64)])('accepts the task name %j', (name) => {
    expect(parseParams(TaskRun, { ...run, name }).name).toBe(name);
  });

  it('reports a missing command and a missing cwd together', () => {
    expect(refusal(TaskRun, {}).issues).toEqual([
      'command: Invalid input: expected string, received undefined',
      'cwd: Invalid input: expected string, received undefined',
    ]);
  });

  it('refuses params given by position, as an array', () => {
    expect(refusal(TaskRun, ['make', '/tmp']).issues).toEqual([
      'params: Invalid input: expected object, received array (got ["make","/tmp"])',
    ]);
  });

  it('cuts a long value in the message to 80 characters', () => {
    const cwd = 'a'.repeat(200);
    expect(refusal(TaskRun, { ...run, cwd }).issues).toEqual([
      `cwd: must be an absolute path (got "${'a'.repeat(76)}...)`,
    ]);
  });

  it('raises an InvalidParamsError that carries the method and the list of issues', () => {
    const error = refusal(TaskRun, { command: '', cwd: 'rel' });
    expect(error.name).toBe('InvalidParamsError');
    expect(error.method).toBe('task/run');
    expect(error.issues).toEqual([
      'command: must be a non-empty shell command (got "")',
      'cwd: must be an absolute path (got "rel")',
    ]);
  });
});

describe('task/run reuse', () => {
  it('needs a name', () => {
    expect(refusal(TaskRun, { ...run, reuse: true }).issues[0]).toMatch(/^reuse: reuse needs a name/);
  });
});
