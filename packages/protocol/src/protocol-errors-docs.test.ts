// Keeps the errors of docs/protocol.md true to the source: each method's "Errors:" paragraph to its
// method object's `errors`, the common reasons to COMMON_ERROR_REASONS, the errors table to
// ErrorCode and ErrorReason, and the invalid-params examples to parseParams.
import { describe, expect, it } from 'vitest';
import { COMMON_ERROR_REASONS, ErrorCode, ErrorReason, type ErrorReasonName } from './errors.js';
import * as protocol from './index.js';
import { parseParams } from './method.js';
import {
  byName,
  docSections,
  type MethodDef,
  methodSections,
  type Section,
  tables,
  unquote,
} from './test-support/protocol-doc.js';

describe('docs/protocol.md errors', () => {
  it('names in each request section exactly the error reasons its method object declares', () => {
    for (const section of methodSections) {
      const def = byName.get(section.method as string) as MethodDef;
      if (def.kind !== 'request') continue;
      const text = section.lines.join('\n');
      const errorsParagraph = /^Errors:([\s\S]*?)(?:\n\n|(?![\s\S]))/m.exec(text)?.[1];
      expect(errorsParagraph, `${def.method} has no "Errors:" paragraph`).toBeDefined();
      const named = [...(errorsParagraph as string).matchAll(/`([a-z_]+)` \((-?\d+)\)/g)].map((m) => [
        m[1],
        Number(m[2]),
      ]);
      expect(named, def.method).toEqual(def.errors.map((reason) => [reason, ErrorReason[reason]]));
    }
  });

  it('names in the "Requests" introduction exactly the common error reasons, and method_not_found', () => {
    const section = docSections.find((s) => s.heading === '## Requests') as Section;
    const intro = section.lines
      .join('\n')
      .split('\n\n')
      .find((paragraph) => paragraph.includes('Each method lists')) as string;
    const named = [...intro.matchAll(/`([a-z_]+)` \((-?\d+)\)/g)].map((m) => [m[1], Number(m[2])]);
    expect(named.sort()).toEqual(
      [...COMMON_ERROR_REASONS, 'method_not_found' as const].map((r) => [r, ErrorReason[r]]).sort(),
    );
  });

  it('lists every error code, with its reason, in the errors table', () => {
    const section = docSections.find((s) => s.heading === '## Errors') as Section;
    const [rows] = tables(section.lines, 'code');
    const documented = (rows ?? []).map((r) => [
      Number(r.code),
      r.reason === '—' ? undefined : unquote(r.reason as string),
    ]);
    const reasonOf = (code: number) =>
      (Object.keys(ErrorReason) as ErrorReasonName[]).find((r) => ErrorReason[r] === code);
    expect(documented).toEqual(Object.values(ErrorCode).map((code) => [code, reasonOf(code)]));
  });

  it('gives the real messages of parseParams in the invalid params examples', () => {
    const section = docSections.find((s) => s.heading === '### Invalid params') as Section;
    const text = section.lines.join('\n');
    const inputs: [MethodDef, unknown][] = [
      [protocol.TaskRun, { command: 'make', cwd: '/tmp', timeoutMs: -5 }],
      [protocol.TaskRun, { command: 'make', cwd: 'src/app' }],
      [protocol.TaskRun, { command: 'make', cwd: '/tmp', env: { DEBUG: 1 } }],
      [protocol.TaskRun, { command: 'make', cwd: '/tmp', timeout: 5 }],
      [protocol.TaskOutput, { id: 'q7x', offset: 0, tail: { lines: 5 } }],
      [protocol.TaskOutput, { id: 'q7x', grep: { pattern: '(ab)\\1' } }],
    ];
    for (const [def, raw] of inputs) {
      let message = '';
      try {
        parseParams(def, raw);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(text).toContain(`\n${message}\n`);
    }
  });
});
