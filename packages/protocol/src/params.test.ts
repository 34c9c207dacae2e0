import { describe, expect, it } from 'vitest';
import { InvalidParamsError, parseParams } from './method.js';
import { DaemonInitialize } from './methods/daemon-initialize.js';
import { DaemonShutdown } from './methods/daemon-shutdown.js';
import { DaemonStatus } from './methods/daemon-status.js';
import { TaskGet } from './methods/task-get.js';
import { TaskKill } from './methods/task-kill.js';
import { TaskList } from './methods/task-list.js';
import { TaskOutput } from './methods/task-output.js';
import { TaskRemove } from './methods/task-remove.js';
import { TaskRun } from './methods/task-run.js';
import { TaskWait } from './methods/task-wait.js';

/** The InvalidParamsError that parsing `raw` throws; fails the test when parsing succeeds. */
function refusal(def: { method: string; params: import('zod').ZodType }, raw: unknown): InvalidParamsError {
  try {
    parseParams(def, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParamsError);
    return error as InvalidParamsError;
  }
  throw new Error(`expected ${def.method} to refuse ${JSON.stringify(raw)}`);
}

const run = { command: 'make test', cwd: '/home/ada/src' };

describe('task/run params', () => {
  it('applies the defaults: env is {}, inheritEnv is true, tty and reuse are false, and adds nothing else', () => {
    expect(parseParams(TaskRun, run)).toEqual({
      command: 'make test',
      cwd: '/home/ada/src',
      env: {},
      inheritEnv: true,
      tty: false,
      reuse: false,
    });
  });

  it('keeps every value the client gave', () => {
    const full = {
      ...run,
      env: { CI: '1', EMPTY: '' },
      inheritEnv: false,
      tty: true,
      name: 'unit-tests_2.x',
      timeoutMs: 60_000,
      reuse: true,
    };
    expect(parseParams(TaskRun, full)).toEqual(full);
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

describe('task/list params', () => {
  it('defaults limit to 100 and sets no filter', () => {
    expect(parseParams(TaskList, {})).toEqual({ limit: 100 });
    expect(parseParams(TaskList, undefined)).toEqual({ limit: 100 });
  });

  it('refuses a limit of 0 and one over 1000', () => {
    expect(refusal(TaskList, { limit: 0 }).issues[0]).toMatch(/^limit: .* \(got 0\)$/);
    expect(refusal(TaskList, { limit: 1001 }).issues[0]).toMatch(/^limit: .* \(got 1001\)$/);
    expect(parseParams(TaskList, { limit: 1000 }).limit).toBe(1000);
  });

  it('refuses an empty state filter and a state that does not exist, naming the array item', () => {
    expect(refusal(TaskList, { state: [] }).issues[0]).toMatch(/^state: .*\(got \[\]\)$/);
    expect(refusal(TaskList, { state: ['running', 'done'] }).issues[0]).toMatch(
      /^state\.1: .*\(got "done"\)$/,
    );
  });
});

describe('task/output params', () => {
  it('defaults limit to 65536 bytes and clean to false, and leaves offset, head, tail and since unset', () => {
    expect(parseParams(TaskOutput, { id: 'q7x' })).toEqual({ id: 'q7x', limit: 65536, clean: false });
  });

  it('refuses offset together with tail', () => {
    const error = refusal(TaskOutput, { id: 'q7x', offset: 0, tail: { lines: 5 } });
    expect(error.message).toBe(
      'invalid params for task/output: params: give at most one of offset, head, tail or since ' +
        '(got {"id":"q7x","offset":0,"tail":{"lines":5},"limit":65536,"clean":false})',
    );
  });

  it('refuses head together with tail', () => {
    expect(refusal(TaskOutput, { id: 'q7x', head: { bytes: 10 }, tail: { bytes: 10 } }).issues[0]).toMatch(
      /^params: give at most one of offset, head, tail or since/,
    );
  });

  it('refuses a head window that gives both bytes and lines', () => {
    expect(refusal(TaskOutput, { id: 'q7x', head: { bytes: 10, lines: 2 } }).issues).toEqual([
      'head: give exactly one of bytes or lines (got {"bytes":10,"lines":2})',
    ]);
  });

  it('refuses a tail window that gives neither bytes nor lines', () => {
    expect(refusal(TaskOutput, { id: 'q7x', tail: {} }).issues).toEqual([
      'tail: give exactly one of bytes or lines (got {})',
    ]);
  });

  it('refuses a negative offset and a limit over 1 MiB', () => {
    expect(refusal(TaskOutput, { id: 'q7x', offset: -1 }).issues[0]).toMatch(/^offset: .*\(got -1\)$/);
    expect(refusal(TaskOutput, { id: 'q7x', limit: 1024 * 1024 + 1 }).issues[0]).toMatch(
      /^limit: .*\(got 1048577\)$/,
    );
  });

  it('accepts a tail of lines, a head of bytes and an offset, each alone', () => {
    const defaults = { limit: 65536, clean: false };
    expect(parseParams(TaskOutput, { id: 'q7x', tail: { lines: 20 } })).toEqual({
      id: 'q7x',
      tail: { lines: 20 },
      ...defaults,
    });
    expect(parseParams(TaskOutput, { id: 'q7x', head: { bytes: 0 }, limit: 10 })).toEqual({
      id: 'q7x',
      head: { bytes: 0 },
      limit: 10,
      clean: false,
    });
    expect(parseParams(TaskOutput, { id: 'q7x', offset: 4096 })).toEqual({
      id: 'q7x',
      offset: 4096,
      ...defaults,
    });
    expect(parseParams(TaskOutput, { id: 'q7x', since: 'last' })).toEqual({
      id: 'q7x',
      since: 'last',
      ...defaults,
    });
  });
});

describe('task/output params for agents', () => {
  it('refuses since together with an offset, and an invalid grep pattern, naming the field', () => {
    expect(refusal(TaskOutput, { id: 'q7x', since: 'last', offset: 3 }).issues[0]).toMatch(
      /^params: give at most one of offset, head, tail or since/,
    );
    expect(refusal(TaskOutput, { id: 'q7x', grep: { pattern: '(' } }).issues).toEqual([
      expect.stringMatching(
        /^grep\.pattern: refused: missing closing \): .*tend matches regular expressions in RE2 syntax.* \(got "\("\)$/,
      ),
    ]);
  });

  it('refuses maxBytes below 256 and a waitMs over 60 s', () => {
    expect(refusal(TaskOutput, { id: 'q7x', maxBytes: 10 }).issues[0]).toMatch(/^maxBytes: .*\(got 10\)$/);
    expect(refusal(TaskOutput, { id: 'q7x', waitMs: 60_001 }).issues[0]).toMatch(/^waitMs: .*\(got 60001\)$/);
  });
});

describe('task/wait until', () => {
  it('accepts exactly one condition and refuses two, or a URL that is not http', () => {
    expect(parseParams(TaskWait, { id: 'x', until: { port: 3000 } })).toEqual({
      id: 'x',
      until: { port: 3000 },
    });
    expect(refusal(TaskWait, { id: 'x', until: { port: 3000, output: 'ready' } }).issues[0]).toMatch(
      /^until: give exactly one of exit, output, port or http/,
    );
    expect(refusal(TaskWait, { id: 'x', until: { http: 'ftp://example.org/' } }).issues[0]).toMatch(
      /^until\.http: must be an http/,
    );
    expect(refusal(TaskWait, { id: 'x', until: { port: 70000 } }).issues[0]).toMatch(/^until\.port: /);
  });
});

describe('task/run reuse', () => {
  it('needs a name', () => {
    expect(refusal(TaskRun, { ...run, reuse: true }).issues[0]).toMatch(/^reuse: reuse needs a name/);
  });
});

describe('task/kill params', () => {
  it('defaults the signal to SIGTERM and the grace period to 10000 ms', () => {
    expect(parseParams(TaskKill, { id: 'q7x' })).toEqual({ id: 'q7x', signal: 'SIGTERM', graceMs: 10_000 });
  });

  it('refuses a short signal name, since the wire takes full names only', () => {
    expect(refusal(TaskKill, { id: 'q7x', signal: 'TERM' }).issues[0]).toMatch(/^signal: .*\(got "TERM"\)$/);
  });

  it('refuses a grace period over 300000 ms', () => {
    expect(refusal(TaskKill, { id: 'q7x', graceMs: 300_001 }).issues[0]).toMatch(
      /^graceMs: .*\(got 300001\)$/,
    );
  });
});

describe('task/get, task/wait and task/remove params', () => {
  it('refuses an empty task reference with a message that says what it should be', () => {
    expect(refusal(TaskGet, { id: '' }).issues).toEqual([
      'id: must be a task id, id prefix or name (got "")',
    ]);
  });

  it('refuses a negative wait timeout and accepts a zero one', () => {
    expect(refusal(TaskWait, { id: 'q7x', timeoutMs: -1 }).issues).toEqual([
      'timeoutMs: must be 0 or more ms (got -1)',
    ]);
    expect(parseParams(TaskWait, { id: 'q7x', timeoutMs: 0 })).toEqual({ id: 'q7x', timeoutMs: 0 });
  });

  it('defaults force to false on remove', () => {
    expect(parseParams(TaskRemove, { id: 'q7x' })).toEqual({ id: 'q7x', force: false });
  });
});

describe('daemon params', () => {
  it('accepts an initialize with a client name only', () => {
    const params = { protocolVersion: 2, client: { name: 'my-client' } };
    expect(parseParams(DaemonInitialize, params)).toEqual(params);
  });

  it('refuses a zero protocolVersion and a client without a name, reporting both', () => {
    const error = refusal(DaemonInitialize, { protocolVersion: 0, client: {} });
    expect(error.issues).toHaveLength(2);
    expect(error.issues[0]).toMatch(/^protocolVersion: .*\(got 0\)$/);
    expect(error.issues[1]).toMatch(/^client\.name: /);
  });

  it('refuses an unknown field inside client', () => {
    expect(refusal(DaemonInitialize, { protocolVersion: 2, client: { name: 'x', pid: 1 } }).issues).toEqual([
      'client: unknown field(s) "pid"',
    ]);
  });

  it('treats missing or null shutdown params as {} and applies the defaults', () => {
    expect(parseParams(DaemonShutdown, undefined)).toEqual({
      killTasks: false,
      graceMs: 10_000,
      restart: false,
    });
    expect(parseParams(DaemonShutdown, null)).toEqual({ killTasks: false, graceMs: 10_000, restart: false });
  });

  it('refuses any field on daemon/status', () => {
    expect(refusal(DaemonStatus, { verbose: true }).issues).toEqual(['params: unknown field(s) "verbose"']);
  });
});
