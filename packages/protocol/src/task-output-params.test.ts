import { describe, expect, it } from 'vitest';
import { parseParams } from './method.js';
import { TaskOutput } from './methods/task-output.js';
import { refusal } from './test-support/params.js';

// task/output params: defaults, selections that exclude each other, and the agent options.

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
