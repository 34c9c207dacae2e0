import { describe, expect, it } from 'vitest';
import { parseParams } from './method.js';
import { TaskRun } from './methods/task-run.js';
import { refusal, run } from './test-support/params.js';

// task/run resource limits: memoryMaxBytes (memory.max) and pidsMax (pids.max).

describe('task/run limits params', () => {
  it('keeps memoryMaxBytes and pidsMax as given, and adds neither when absent', () => {
    expect(parseParams(TaskRun, { ...run, memoryMaxBytes: 2 * 1024 ** 3, pidsMax: 512 })).toMatchObject({
      memoryMaxBytes: 2147483648,
      pidsMax: 512,
    });
    const plain = parseParams(TaskRun, run) as Record<string, unknown>;
    expect(Object.keys(plain)).not.toContain('memoryMaxBytes');
    expect(Object.keys(plain)).not.toContain('pidsMax');
  });

  it('accepts the bounds: 1 MiB of memory, 1 and 4194304 processes', () => {
    expect(parseParams(TaskRun, { ...run, memoryMaxBytes: 1048576, pidsMax: 1 })).toMatchObject({
      memoryMaxBytes: 1048576,
      pidsMax: 1,
    });
    expect(parseParams(TaskRun, { ...run, pidsMax: 4194304 })).toMatchObject({ pidsMax: 4194304 });
  });

  it('refuses memoryMaxBytes under 1 MiB or fractional, naming the field and the rule', () => {
    expect(refusal(TaskRun, { ...run, memoryMaxBytes: 1048575 }).issues).toEqual([
      'memoryMaxBytes: must be at least 1048576 bytes (1 MiB) (got 1048575)',
    ]);
    expect(refusal(TaskRun, { ...run, memoryMaxBytes: 2.5e6 + 0.5 }).issues).toEqual([
      'memoryMaxBytes: must be an integer number of bytes (got 2500000.5)',
    ]);
    expect(refusal(TaskRun, { ...run, memoryMaxBytes: '2G' }).issues[0]).toMatch(/^memoryMaxBytes: /);
  });

  it('refuses pidsMax of 0, past 4194304, or fractional', () => {
    expect(refusal(TaskRun, { ...run, pidsMax: 0 }).issues).toEqual(['pidsMax: must be at least 1 (got 0)']);
    expect(refusal(TaskRun, { ...run, pidsMax: 4194305 }).issues).toEqual([
      'pidsMax: must be at most 4194304 (the most pids Linux has) (got 4194305)',
    ]);
    expect(refusal(TaskRun, { ...run, pidsMax: 1.5 }).issues).toEqual([
      'pidsMax: must be a whole number of processes (got 1.5)',
    ]);
  });
});
