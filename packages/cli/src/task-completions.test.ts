import type { Completion } from '@tend/protocol/wire';
import { describe, expect, it } from 'vitest';
import { renderCompletions } from './task-completions.js';

const NOW = Date.parse('2025-01-01T00:10:00.000Z');

function completion(fields: Partial<Completion>): Completion {
  return {
    seq: 1,
    taskId: 'abc123',
    command: 'npm test',
    cwd: '/work',
    state: 'failed',
    exitCode: 1,
    durationMs: 2_000,
    endedAt: '2025-01-01T00:09:00.000Z',
    tail: '',
    ...fields,
  };
}

describe('renderCompletions', () => {
  it('prints nothing for an empty inbox', () => {
    expect(renderCompletions([], { now: NOW })).toBe('');
  });

  it('shows a table row per end, then each end with output under a heading, its last lines indented', () => {
    const text = renderCompletions(
      [
        completion({ seq: 4, name: 'tests', tail: 'FAIL src/a.test.ts\n1 failed\n' }),
        completion({
          seq: 7,
          taskId: 'def456',
          state: 'killed',
          exitCode: undefined,
          signal: 'SIGTERM',
          reason: 'timed out',
          command: 'sleep 9',
          tail: '',
        }),
      ],
      { columns: 120, now: NOW },
    );
    const [table, block] = text.split('\n\n');
    expect(table!.split('\n').map((line) => line.split(/ {2,}/))).toEqual([
      ['SEQ', 'ID', 'NAME', 'STATE', 'EXIT', 'DURATION', 'ENDED', 'COMMAND'],
      ['4', 'abc123', 'tests', 'failed', '1', '2s', '1m ago', 'npm test'],
      ['7', 'def456', 'killed', 'SIGTERM', '2s', '1m ago', 'sleep 9'],
    ]);
    expect(block).toBe('4 abc123 (tests) failed, exit 1:\n    FAIL src/a.test.ts\n    1 failed\n');
  });

  it('names the signal and the reason in the heading of an end tend caused', () => {
    const text = renderCompletions(
      [
        completion({
          exitCode: undefined,
          signal: 'SIGTERM',
          state: 'timed_out',
          reason: 'timeout after 5s',
          tail: 'x',
        }),
      ],
      { now: NOW },
    );
    expect(text).toMatch(/\n1 abc123 timed_out, SIGTERM — timeout after 5s:\n {4}x\n$/);
  });

  it('prints only the table with tails off (-q)', () => {
    const text = renderCompletions([completion({ tail: 'last line' })], { now: NOW, tails: false });
    expect(text.trimEnd().split('\n')).toHaveLength(2);
    expect(text).not.toMatch(/last line/);
  });
});
