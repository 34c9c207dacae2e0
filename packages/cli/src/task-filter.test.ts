import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { makeTask } from '../../../test/support/task.mjs';
import { PS_FILTERS } from './help-text.js';
import { FILTER_KEYS, matchesFilter, parseFilters } from './task-filter.js';
import { compileFormat, FORMAT_FIELDS } from './task-format.js';

function task(fields: Partial<Task> & { project?: string }): Task {
  return makeTask({ command: 'true', createdAt: '2025-01-01T00:09:00.000Z', ...fields });
}

const tasks = [
  task({ id: 'aaa111', name: 'web', state: 'running', session: 's1', project: '/src/app' }),
  task({ id: 'bbb222', name: 'web-test', state: 'failed', exitCode: 3, session: 's2' }),
  task({ id: 'ccc333', state: 'killed', signal: 'SIGKILL', session: 's1' }),
  task({ id: 'ddd444', name: 'db', state: 'succeeded', exitCode: 0 }),
];

function ids(args: string[]): string[] {
  const filter = parseFilters(args);
  return tasks.filter((t) => matchesFilter(t, filter)).map((t) => t.id);
}

describe('--filter', () => {
  it('ORs the values of one key and ANDs different keys, as docker', () => {
    expect(ids([])).toEqual(['aaa111', 'bbb222', 'ccc333', 'ddd444']);
    expect(ids(['state=failed', 'state=killed'])).toEqual(['bbb222', 'ccc333']);
    expect(ids(['state=failed', 'state=killed', 'session=s1'])).toEqual(['ccc333']);
    expect(ids(['name=web'])).toEqual(['aaa111', 'bbb222']);
    expect(ids(['exit=0'])).toEqual(['ddd444']);
    expect(ids(['exited=3'])).toEqual(['bbb222']);
    expect(ids(['exit=SIGKILL'])).toEqual(['ccc333']);
    expect(ids(['status=running'])).toEqual(['aaa111']);
    expect(ids(['id=bb'])).toEqual(['bbb222']);
  });

  it('matches project on the task field when the daemon sends one (and a relative value is resolved)', () => {
    expect(ids(['project=/src/app'])).toEqual(['aaa111']);
    expect(ids(['project=/src/other'])).toEqual([]);
    expect(parseFilters(['project=.']).get('project')).toEqual([process.cwd()]);
  });

  it('names the bad key, value or argument', () => {
    expect(() => parseFilters(['colour=red'])).toThrow(/unknown key colour; one of id, name, state/);
    expect(() => parseFilters(['state=done'])).toThrow(/state=done: no such state; one of starting/);
    expect(() => parseFilters(['exit=300'])).toThrow(/exit=300: give an exit code 0-255/);
    expect(() => parseFilters(['failed'])).toThrow(/--filter failed: expected KEY=VALUE/);
  });

  it('--help lists every key', () => {
    for (const key of Object.keys(FILTER_KEYS)) expect(PS_FILTERS).toMatch(new RegExp(`^  ${key} `, 'm'));
  });
});

describe('--format', () => {
  it('fills {{.Field}} placeholders and reads \\t and \\n', () => {
    const line = compileFormat('{{.ID}}\\t{{ .Name }}|{{.State}}|{{.Exit}}|{{.Project}}');
    expect(line(tasks[0] as Task)).toBe('aaa111\tweb|running||/src/app');
    expect(line(tasks[2] as Task)).toBe('ccc333\t|killed|SIGKILL|');
  });

  it('json prints the task object on one line', () => {
    expect(JSON.parse(compileFormat('json')(tasks[1] as Task))).toMatchObject({ id: 'bbb222', exitCode: 3 });
  });

  it('refuses an unknown field or a template it does not understand', () => {
    expect(() => compileFormat('{{.Id}}')).toThrow(/unknown field \.Id; one of \.ID, \.Name/);
    expect(() => compileFormat('{{json .}}')).toThrow(/only \{\{\.Field\}\} placeholders/);
  });

  it('--help lists every field', () => {
    for (const field of Object.keys(FORMAT_FIELDS)) expect(PS_FILTERS).toContain(`.${field} `.trimEnd());
  });
});
