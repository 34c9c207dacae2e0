// Keeps docs/protocol.md true to the method objects: a method, param, default or example
// that drifts from the source fails here (errors: protocol-errors-docs.test.ts).
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { COMMON_ERROR_REASONS, ErrorReason, type ErrorReasonName } from './errors.js';
import * as protocol from './index.js';
import { parseParams } from './method.js';
import type { REQUESTS } from './methods.js';
import { TaskSchema } from './task.js';
import {
  byName,
  doc,
  docSections,
  type JsonSchemaNode,
  jsonBlocks,
  METHODS,
  type MethodDef,
  methodSections,
  type Section,
  tables,
  unquote,
} from './test-support/protocol-doc.js';

describe('docs/protocol.md', () => {
  it('has a "### `<method>`" section for every request and notification', () => {
    const documented = new Set(methodSections.map((s) => s.method));
    expect(METHODS.map((m) => m.method).filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents no method that does not exist', () => {
    expect(methodSections.map((s) => s.method).filter((name) => !byName.has(name as string))).toEqual([]);
  });

  it('documents each method once, in the order of REQUESTS then NOTIFICATIONS', () => {
    expect(methodSections.map((s) => s.method)).toEqual(METHODS.map((m) => m.method));
  });

  it('starts each method section with the summary of its method object', () => {
    for (const section of methodSections) {
      const def = byName.get(section.method as string) as MethodDef;
      const firstParagraph = section.lines.join('\n').trim().split('\n\n')[0]?.replace(/\s+/g, ' ');
      // The doc may add backticks around names; compare the words.
      const words = (text: string) => text.replace(/`/g, '').replace(/\s+/g, ' ').trim();
      expect(words(firstParagraph ?? ''), section.method).toContain(words(def.summary));
    }
  });

  it('lists in each params table exactly the fields of the params schema, with their required fields and defaults', () => {
    for (const section of methodSections) {
      const def = byName.get(section.method as string) as MethodDef;
      const json = z.toJSONSchema(def.params, {
        io: def.kind === 'request' ? 'input' : 'output',
      }) as JsonSchemaNode;
      const rows = tables(section.lines, 'param').flat();
      const documentedTop = rows.map((r) => unquote(r.param as string)).filter((p) => !p.includes('.'));
      expect(documentedTop, def.method).toEqual(Object.keys(json.properties ?? {}));
      for (const row of rows) {
        const path = unquote(row.param as string).split('.');
        const field = path.pop() as string;
        const parent = path.reduce<JsonSchemaNode>(
          (node, key) => node.properties?.[key] as JsonSchemaNode,
          json,
        );
        const property = parent.properties?.[field];
        expect(property, `${def.method}: ${row.param} is not in the schema`).toBeDefined();
        const required = (parent.required ?? []).includes(field);
        if (row.default !== undefined) {
          expect(row.default === 'required', `${def.method}: ${row.param} required?`).toBe(required);
          if (property?.default !== undefined)
            expect(row.default, `${def.method}: ${row.param}`).toContain(
              `\`${JSON.stringify(property.default)}\``,
            );
        } else {
          expect(/optional/.test(row.type as string), `${def.method}: ${row.param} optional?`).toBe(
            !required,
          );
        }
      }
      // A documented nested field implies that all its siblings are documented.
      for (const prefix of new Set(
        rows
          .map((r) => unquote(r.param as string))
          .filter((p) => p.includes('.'))
          .map((p) => p.split('.')[0]),
      )) {
        const nested = rows
          .map((r) => unquote(r.param as string))
          .filter((p) => p.startsWith(`${prefix}.`))
          .map((p) => p.slice((prefix as string).length + 1));
        expect(nested, `${def.method}: ${prefix}`).toEqual(
          Object.keys(json.properties?.[prefix as string]?.properties ?? {}),
        );
      }
    }
  });

  it('lists in each result table exactly the fields of the result schema', () => {
    let checked = 0;
    for (const section of methodSections) {
      const def = byName.get(section.method as string) as MethodDef;
      if (def.kind !== 'request') continue;
      for (const rows of tables(section.lines, 'field')) {
        const json = z.toJSONSchema(def.result, { io: 'output' }) as JsonSchemaNode;
        expect(
          rows.map((r) => unquote(r.field as string)),
          def.method,
        ).toEqual(Object.keys(json.properties ?? {}));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('lists in the task object table exactly the fields of TaskSchema, marking the optional ones', () => {
    const section = docSections.find((s) => s.heading === '### The task object') as Section;
    expect(section).toBeDefined();
    const [rows] = tables(section.lines, 'field');
    const json = z.toJSONSchema(TaskSchema(), { io: 'output' }) as JsonSchemaNode;
    expect(rows?.map((r) => unquote(r.field as string))).toEqual(Object.keys(json.properties ?? {}));
    for (const row of rows ?? []) {
      const field = unquote(row.field as string);
      expect(row.column2, field).toBe(json.required?.includes(field) ? 'always' : 'optional');
    }
  });

  it('lists every task state in the states table', () => {
    const section = docSections.find((s) => s.heading === '### States') as Section;
    const [rows] = tables(section.lines, 'state');
    expect(rows?.map((r) => unquote(r.state as string))).toEqual([...protocol.TASK_STATES]);
    for (const row of rows ?? []) {
      expect(row.live, row.state).toBe(
        protocol.LIVE_STATES.includes(unquote(row.state as string) as never) ? 'yes' : 'no',
      );
    }
  });

  it('gives in every method section JSON examples that are valid messages for that method', () => {
    for (const section of methodSections) {
      const def = byName.get(section.method as string) as MethodDef;
      const kinds = new Set<string>();
      for (const block of jsonBlocks(section.lines)) {
        const message = JSON.parse(block) as Record<string, unknown>;
        expect(message.jsonrpc, def.method).toBe('2.0');
        if ('method' in message) {
          expect(message.method).toBe(def.method);
          if (def.kind === 'request') {
            expect(message.id, def.method).toBeDefined();
            expect(() => parseParams(def, message.params)).not.toThrow();
          } else {
            expect('id' in message, def.method).toBe(false);
            expect(def.params.parse(message.params), def.method).toEqual(message.params);
          }
          kinds.add('call');
        } else if ('result' in message) {
          expect(def.kind).toBe('request');
          const result = (def as (typeof REQUESTS)[number]).result;
          // Results are not strict: parsing strips unknown fields, so equality also catches misspelt ones.
          expect(result.parse(message.result), def.method).toEqual(message.result);
          kinds.add('reply');
        } else if ('error' in message) {
          const error = message.error as { code: number; message: string; data: { reason: ErrorReasonName } };
          const allowed = [...(def as (typeof REQUESTS)[number]).errors, ...COMMON_ERROR_REASONS];
          expect(allowed, def.method).toContain(error.data.reason);
          expect(error.code, def.method).toBe(ErrorReason[error.data.reason]);
          expect(typeof error.message).toBe('string');
          kinds.add('reply');
        } else {
          throw new Error(`${def.method}: example is neither a call nor a reply: ${block}`);
        }
      }
      expect([...kinds].sort(), def.method).toEqual(def.kind === 'request' ? ['call', 'reply'] : ['call']);
    }
  });

  it('gives the right Content-Length for each framed message of the handshake example', () => {
    const framed = [...doc.matchAll(/^[→←] Content-Length: (\d+)\\r\\n\\r\\n(.*)$/gm)];
    expect(framed).toHaveLength(2);
    for (const [, length, body] of framed) {
      expect(Buffer.byteLength(body as string, 'utf8')).toBe(Number(length));
      expect(() => JSON.parse(body as string)).not.toThrow();
    }
  });
});
