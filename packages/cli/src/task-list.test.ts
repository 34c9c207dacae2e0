import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { renderTaskTable } from './task-list.js';

const NOW = Date.parse('2025-01-01T00:10:00.000Z');

function task(fields: Partial<Task>): Task {
  return {
    id: 'abc123',
    command: 'true',
    cwd: '/',
    env: {},
    inheritEnv: true,
    state: 'running',
    createdAt: '2025-01-01T00:09:00.000Z',
    outputBytes: 0,
    logPath: '/tmp/x/output.log',
    ...fields,
  };
}

function rows(text: string): string[][] {
  return text.trimEnd().split('\n').map((line) => line.split(/ {2,}/));
}

describe('renderTaskTable', () => {
  it('shows a header and one row per task, in the order given', () => {
    const text = renderTaskTable(
      [
        task({ id: 'new111', name: 'web', state: 'running', durationMs: 60_000, command: 'npm run dev' }),
        task({ id: 'old222', state: 'failed', exitCode: 3, createdAt: '2025-01-01T00:00:00.000Z', durationMs: 2_100, command: 'exit 3' }),
      ],
      120,
      NOW,
    );
    expect(rows(text)).toEqual([
      ['ID', 'NAME', 'STATE', 'EXIT', 'CREATED', 'DURATION', 'COMMAND'],
      ['new111', 'web', 'running', '1m ago', '1m', 'npm run dev'],
      ['old222', 'failed', '3', '10m ago', '2s', 'exit 3'],
    ]);
  });

  it('shows the signal name in EXIT for a task a signal ended', () => {
    const text = renderTaskTable([task({ state: 'killed', signal: 'SIGKILL', durationMs: 5 })], 120, NOW);
    expect(text.split('\n')[1]).toMatch(/killed +SIGKILL +1m ago +5ms +true/);
  });

  it('cuts long commands to the terminal width and flattens line breaks', () => {
    const text = renderTaskTable([task({ command: `echo start\n${'x'.repeat(300)}` })], 80, NOW);
    const line = text.split('\n')[1]!;
    expect(line.length).toBeLessThanOrEqual(80);
    expect(line).toMatch(/echo start x+…$/);
  });

  it('prints only the header when there are no tasks', () => {
    expect(rows(renderTaskTable([], undefined, NOW))).toEqual([['ID', 'NAME', 'STATE', 'EXIT', 'CREATED', 'DURATION', 'COMMAND']]);
  });
});
