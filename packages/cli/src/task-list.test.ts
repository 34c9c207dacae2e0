import { stripVTControlCharacters } from 'node:util';
import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { makeTask } from '../../../test/support/task.mjs';
import { renderTaskTable, stateColumn } from './task-list.js';

const NOW = Date.parse('2025-01-01T00:10:00.000Z');

function task(fields: Partial<Task>): Task {
  return makeTask({ command: 'true', createdAt: '2025-01-01T00:09:00.000Z', ...fields });
}

function rows(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/ {2,}/));
}

describe('renderTaskTable', () => {
  it('shows a header and one row per task, in the order given', () => {
    const text = renderTaskTable(
      [
        task({ id: 'new111', name: 'web', state: 'running', durationMs: 60_000, command: 'npm run dev' }),
        task({
          id: 'old222',
          state: 'failed',
          exitCode: 3,
          createdAt: '2025-01-01T00:00:00.000Z',
          durationMs: 2_100,
          command: 'exit 3',
        }),
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
    expect(rows(renderTaskTable([], undefined, NOW))).toEqual([
      ['ID', 'NAME', 'STATE', 'EXIT', 'CREATED', 'DURATION', 'COMMAND'],
    ]);
  });
});

describe('renderTaskTable with stats', () => {
  it('adds CPU, MEM and PORTS columns, filled for live tasks that have stats and empty for the others', () => {
    const stats = new Map([
      [
        'live11',
        {
          pids: [10, 11],
          cpuPercent: 12.34,
          rssBytes: 50 * 1024 * 1024,
          ports: [
            { port: 5173, address: '::', family: 'tcp6' as const, pid: 11 },
            { port: 3000, address: '127.0.0.1', family: 'tcp' as const, pid: 11 },
            { port: 3000, address: '::1', family: 'tcp6' as const, pid: 11 },
          ],
        },
      ],
    ]);
    const text = renderTaskTable(
      [
        task({ id: 'live11', name: 'web', durationMs: 60_000, command: 'npm run dev' }),
        task({ id: 'done22', state: 'succeeded', exitCode: 0, durationMs: 1_000, command: 'true' }),
      ],
      200,
      NOW,
      stats,
    );
    expect(rows(text)).toEqual([
      ['ID', 'NAME', 'STATE', 'EXIT', 'CREATED', 'DURATION', 'CPU', 'MEM', 'PORTS', 'COMMAND'],
      ['live11', 'web', 'running', '1m ago', '1m', '12%', '50M', '3000,5173', 'npm run dev'],
      ['done22', 'succeeded', '0', '1m ago', '1s', 'true'],
    ]);
  });

  it('leaves the stats columns out when the daemon gave none (an older daemon)', () => {
    expect(renderTaskTable([task({})], 120, NOW, undefined).split('\n')[0]).not.toMatch(/CPU|PORTS/);
  });
});

describe('stateColumn', () => {
  it('adds "stopped" to a SIGSTOP\'d task and the leftovers still running to an ended one', () => {
    expect(stateColumn(task({ state: 'running', stopped: true }))).toBe('running, stopped');
    expect(stateColumn(task({ state: 'succeeded', leftovers: { count: 1, running: true } }))).toBe(
      'succeeded, 1 leftover running',
    );
    expect(stateColumn(task({ state: 'failed', leftovers: { count: 3, running: true } }))).toBe(
      'failed, 3 leftovers running',
    );
    expect(stateColumn(task({ state: 'succeeded', leftovers: { count: 1, running: false } }))).toBe(
      'succeeded',
    );
    expect(stateColumn(task({ state: 'running' }))).toBe('running');
  });
});

describe('renderTaskTable colours', () => {
  it('colours only the STATE cell and keeps the columns aligned', () => {
    const tasks = [
      task({ id: 'aaa111', state: 'running', command: 'a' }),
      task({ id: 'bbb222', state: 'failed', exitCode: 1, command: 'b' }),
    ];
    const plain = renderTaskTable(tasks, 120, NOW);
    const coloured = renderTaskTable(tasks, 120, NOW, undefined, { color: true });
    expect(coloured).not.toBe(plain);
    expect(coloured).toContain('\u001b[31mfailed\u001b[39m');
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });
});
