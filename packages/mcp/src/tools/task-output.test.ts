import { describe, expect, it } from 'vitest';
import { contextOf, fakeTend, outputResult, task } from '../test-support/fake-tend.js';
import { taskOutput, taskOutputSchema } from './task-output.js';

const parse = (input: unknown) => taskOutputSchema.parse(input);

describe('read_output', () => {
  it("reads what this session's reader has not read yet, model-sized and cleaned by default", async () => {
    const { api, calls } = fakeTend({
      get: () => task({ name: 'web' }),
      output: () => outputResult('line 1\nline 2\n', 10),
    });
    const answer = await taskOutput(parse({ id: 'web' }), contextOf(api));
    expect(calls[1]).toEqual({
      method: 'output',
      args: [{ id: 'k3j9x2ab', since: 'last', reader: 'mcp:/work/project', maxBytes: 8192, clean: true }],
    });
    expect(answer.text).toBe(
      'task k3j9x2ab "web" is running (pid 4242, up 1 min 5 s).\n' +
        'New output since your last read (bytes 10–24 of 24):\n```\nline 1\nline 2\n```\n' +
        'The task is still running: later calls return only what it prints next.',
    );
  });

  it('says plainly when there is nothing new, and that an ended task’s output is complete', async () => {
    const ended = task({
      state: 'succeeded',
      exitCode: 0,
      endedAt: '2026-11-21T10:01:05.000Z',
      durationMs: 2000,
    });
    const { api } = fakeTend({ get: () => ended, output: () => ({ ...outputResult('', 31), ended: true }) });
    const answer = await taskOutput(parse({ id: 'k3' }), contextOf(api));
    expect(answer.text).toBe(
      'task k3j9x2ab has ended: succeeded (exit code 0) after 2.0 s.\n' +
        'New output since your last read: nothing (the log holds 31 bytes). The task has ended: its output is complete.',
    );
  });

  it('counts what max_bytes left out and what the output cap dropped, and points to grep and tail_lines', async () => {
    const { api } = fakeTend({
      get: () => task(),
      output: () =>
        outputResult('head\n… 90000 bytes omitted …\ntail\n', 0, {
          omittedBytes: 90_000,
          skippedBytes: 4096,
          totalBytes: 100_000,
        }),
    });
    const answer = await taskOutput(parse({ id: 'k3', max_bytes: 1024 }), contextOf(api));
    expect(answer.text).toContain('87.9 KiB were left out to stay within max_bytes (1.0 KiB): use grep');
    expect(answer.text).toContain('4.0 KiB had already been dropped by the output cap before this read.');
  });

  it('greps with context and case folding, reports the match count, and long-polls when asked', async () => {
    const { api, calls } = fakeTend({
      get: () => task(),
      output: () => outputResult('ERROR x\n', 0, { matches: 1 }),
    });
    const answer = await taskOutput(
      parse({ id: 'k3', grep: 'error', context: 2, ignore_case: true, wait_ms: 5000 }),
      contextOf(api),
    );
    expect(calls[1]!.args[0]).toEqual({
      id: 'k3j9x2ab',
      since: 'last',
      reader: 'mcp:/work/project',
      waitMs: 5000,
      maxBytes: 8192,
      clean: true,
      grep: { pattern: 'error', context: 2, ignoreCase: true },
    });
    expect(answer.text).toContain('(bytes 0–8 of 8, 1 matching line):');
  });

  it('reads the last lines or everything from the start without touching the read position', async () => {
    const { api, calls } = fakeTend({ get: () => task(), output: () => outputResult('a\n') });
    const tail = await taskOutput(parse({ id: 'k3', tail_lines: 50, clean: false }), contextOf(api));
    await taskOutput(parse({ id: 'k3', from_start: true }), contextOf(api));
    expect(calls[1]!.args[0]).toEqual({
      id: 'k3j9x2ab',
      tail: { lines: 50 },
      limit: 1048576,
      maxBytes: 8192,
      clean: false,
    });
    expect(calls[3]!.args[0]).toEqual({ id: 'k3j9x2ab', offset: 0, maxBytes: 8192, clean: true });
    expect(tail.text).toContain('Last 50 lines (bytes 0–2 of 2):');
    expect(tail.text).not.toContain('later calls return only');
  });

  it('refuses tail_lines with from_start, and an invalid grep pattern, before reading', async () => {
    const { api, calls } = fakeTend({});
    await expect(
      taskOutput(parse({ id: 'k3', tail_lines: 5, from_start: true }), contextOf(api)),
    ).rejects.toThrow('not both');
    await expect(taskOutput(parse({ id: 'k3', grep: '[' }), contextOf(api))).rejects.toThrow(
      /^grep: pattern "\[" is refused: missing closing \]/,
    );
    expect(calls).toEqual([]);
  });
});
