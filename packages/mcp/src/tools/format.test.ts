import { describe, expect, it } from 'vitest';
import { task } from '../test-support/fake-tend.js';
import { bytes, duration, oneLine, quoteOutput, taskState, taskStatus } from './format.js';

describe('the words the tools use for tasks', () => {
  it('describes a running task with its pid and run time, and an ended one with its exit status and duration', () => {
    expect(taskState(task())).toBe('running (pid 4242, up 1 min 5 s)');
    expect(taskState(task({ state: 'failed', exitCode: 1, durationMs: 3_200 }))).toBe(
      'failed (exit code 1) after 3.2 s',
    );
    expect(
      taskState(task({ state: 'killed', signal: 'SIGTERM', reason: 'killed by user', durationMs: 90_000 })),
    ).toBe('killed (SIGTERM; killed by user) after 1 min 30 s');
    expect(
      taskState(
        task({ state: 'killed', signal: 'SIGTERM', reason: 'killed by user (SIGTERM)', durationMs: 200 }),
      ),
    ).toBe('killed (killed by user (SIGTERM)) after 0.2 s');
    expect(taskState(task({ state: 'lost', reason: 'reboot', durationMs: undefined }))).toBe(
      'lost (exit status unknown; reboot)',
    );
  });

  it('leaves out a run time under one second, which says nothing yet', () => {
    expect(taskState(task({ durationMs: 40 }))).toBe('running (pid 4242)');
  });

  it('says "is" of a live task and "has ended" of an ended one', () => {
    expect(taskStatus(task({ name: 'web' }))).toBe('task k3j9x2ab "web" is running (pid 4242, up 1 min 5 s)');
    expect(taskStatus(task({ state: 'succeeded', exitCode: 0, durationMs: 12_000 }))).toBe(
      'task k3j9x2ab has ended: succeeded (exit code 0) after 12 s',
    );
  });

  it('writes durations and sizes the way people read them', () => {
    expect([
      duration(400),
      duration(12_340),
      duration(59_600),
      duration(123_000),
      duration(3_720_000),
    ]).toEqual(['0.4 s', '12 s', '1 min', '2 min 3 s', '1 h 2 min']);
    expect([bytes(1), bytes(512), bytes(4300), bytes(1_572_864)]).toEqual([
      '1 byte',
      '512 bytes',
      '4.2 KiB',
      '1.5 MiB',
    ]);
  });

  it('quotes output in a fence that backticks inside the output cannot close, ending with a newline', () => {
    expect(quoteOutput('a\nb')).toBe('```\na\nb\n```');
    expect(quoteOutput('see ```js\ncode\n```\n')).toBe('````\nsee ```js\ncode\n```\n````');
  });

  it('puts a multi-line command on one line and cuts a very long one', () => {
    expect(oneLine('cd app\n  npm test')).toBe('cd app ⏎ npm test');
    expect(oneLine('x'.repeat(300))).toHaveLength(200);
  });
});
