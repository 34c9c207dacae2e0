import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_BYTES, MAX_COMMAND_ENV_BYTES, MAX_PARAMS_DEPTH } from './limits.js';
import { utf8Length } from './field-limits.js';
import { InvalidParamsError, nestingDepth, parseParams } from './method.js';
import { TaskList } from './methods/task-list.js';
import { TaskRun } from './methods/task-run.js';

/** The issues parsing `raw` as task/run params raises; fails the test when it parses. */
function issues(raw: unknown, def: { method: string; params: import('zod').ZodType } = TaskRun): string[] {
  try {
    parseParams(def, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParamsError);
    return (error as InvalidParamsError).issues;
  }
  throw new Error(`expected ${JSON.stringify(raw).slice(0, 80)} to be refused`);
}

const run = { command: 'make test', cwd: '/home/ada/src' };

describe('request field limits', () => {
  it.each([
    [{ 'PATH=/x:': 'y' }, 'env.PATH=/x:: env variable names must not contain "=" or a NUL byte'],
    [{ '': 'y' }, 'env.: env variable names must not be empty'],
    [{ 'A\u0000B': 'y' }, 'env.A\u0000B: env variable names must not contain "=" or a NUL byte'],
    [{ A: 'a\u0000b' }, 'env.A: env values must not contain a NUL byte'],
  ])('refuses the env %j, naming the variable', (env, message) => {
    expect(issues({ ...run, env })[0]).toContain(message);
  });

  it('accepts env names that are not shell identifiers but are real (npm_config_//registry/:_authToken)', () => {
    expect(
      parseParams(TaskRun, { ...run, env: { 'npm_config_//registry.npmjs.org/:_authToken': 't', 'a-b': '' } })
        .env,
    ).toEqual({
      'npm_config_//registry.npmjs.org/:_authToken': 't',
      'a-b': '',
    });
  });

  it('refuses NUL bytes in command and cwd', () => {
    expect(issues({ ...run, command: 'echo a\u0000b' })[0]).toContain('command: must not contain a NUL byte');
    expect(issues({ ...run, cwd: '/tmp/\u0000' })[0]).toContain('cwd: must not contain a NUL byte');
  });

  it('accepts a command of exactly 131071 bytes of UTF-8 and refuses one byte more, also in multi-byte characters', () => {
    expect(parseParams(TaskRun, { ...run, command: 'x'.repeat(MAX_COMMAND_BYTES) }).command).toHaveLength(
      MAX_COMMAND_BYTES,
    );
    expect(issues({ ...run, command: 'x'.repeat(MAX_COMMAND_BYTES + 1) })[0]).toContain(
      'command: must be at most 131071 bytes',
    );
    // 43,691 three-byte characters are 131,073 bytes but only 43,691 UTF-16 units.
    expect(issues({ ...run, command: '日'.repeat(43_691) })[0]).toContain(
      'command: must be at most 131071 bytes of UTF-8',
    );
  });

  it('refuses command and env that together pass half of ARG_MAX, counting each string with its NUL', () => {
    const env = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`V${i}`, 'x'.repeat(120_000)]));
    expect(issues({ ...run, env })[0]).toMatch(
      /^env: command and env together take \d+ bytes; at most 1048576/,
    );
    const fits = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`V${i}`, 'x'.repeat(120_000)]));
    expect(Object.keys(parseParams(TaskRun, { ...run, env: fits }).env)).toHaveLength(8);
    expect(MAX_COMMAND_ENV_BYTES).toBe(1024 * 1024);
  });

  it('refuses params nested deeper than 32 levels with an invalid-params issue, even 100,000 deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(issues({ name: deep }, TaskList)).toEqual([
      `params: objects and arrays nested deeper than ${MAX_PARAMS_DEPTH} levels`,
    ]);
    expect(nestingDepth(deep, 40)).toBe(41);
    expect(nestingDepth({ a: [1, { b: [] }] })).toBe(4);
    expect(nestingDepth('x')).toBe(0);
  });

  it('counts UTF-8 bytes as Buffer does, surrogate pairs and lone surrogates included', () => {
    for (const text of ['', 'abc', 'é', '日本', '😀', 'a\ud800b', '\udc00', 'x😀é日']) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(Buffer.byteLength(text, 'utf8'));
    }
  });
});
