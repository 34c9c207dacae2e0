import { describe, expect, it } from 'vitest';
import { InvalidParamsError, parseParams } from './method.js';
import { TaskGet } from './methods/task-get.js';
import { TaskRun } from './methods/task-run.js';

const run = { command: 'make test', cwd: '/home/ada/src' };

function refusalMessage(raw: unknown): string {
  try {
    parseParams(TaskRun, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParamsError);
    return (error as Error).message;
  }
  throw new Error(`expected task/run to refuse ${JSON.stringify(raw)}`);
}

describe("task/run params for the caller's environment", () => {
  it('keeps capturedEnv and umask as given', () => {
    const params = {
      ...run,
      capturedEnv: { PATH: '/usr/bin', HOME: '/home/ada' },
      inheritEnv: false,
      umask: '0077',
    };
    expect(parseParams(TaskRun, params)).toMatchObject(params);
  });

  it.each(['022', '0777', '7', '000'])('accepts the umask "%s"', (umask) => {
    expect(parseParams(TaskRun, { ...run, umask })).toMatchObject({ umask });
  });

  it.each(['0888', '1777', '22a', '', ' 022', '00022'])(
    'refuses the umask "%s", naming the field',
    (umask) => {
      expect(refusalMessage({ ...run, umask })).toMatch(/umask.*octal/);
    },
  );

  it('refuses a umask given as a number: JSON would have turned 022 into 22', () => {
    expect(refusalMessage({ ...run, umask: 18 })).toMatch(/umask/);
  });

  it('counts capturedEnv and env together against the 1 MiB execve budget', () => {
    const half = 'x'.repeat(100_000);
    const capturedEnv = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`C${i}`, half]));
    const env = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`E${i}`, half]));
    expect(() => parseParams(TaskRun, { ...run, capturedEnv })).not.toThrow();
    expect(refusalMessage({ ...run, capturedEnv, env })).toMatch(
      /command and env together take \d+ bytes; at most 1048576/,
    );
  });
});

describe('task/get params', () => {
  it('defaults env to false', () => {
    expect(parseParams(TaskGet, { id: 'abc' })).toEqual({ id: 'abc', env: false });
  });
});
