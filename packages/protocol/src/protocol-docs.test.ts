// Keeps docs/protocol.md and docs/protocol.schema.json true to the method objects: a method,
// param, default, error reason or example that drifts from the source fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderProtocolSchema } from '../../../scripts/gen-protocol-schema.mjs';
import * as protocol from './index.js';
import { ErrorCode, ErrorReason, type ErrorReasonName } from './errors.js';
import { parseParams } from './method.js';
import { NOTIFICATIONS, REQUESTS } from './methods.js';
import { TaskSchema } from './task.js';

const DOC_PATH = new URL('../../../docs/protocol.md', import.meta.url);
const SCHEMA_PATH = new URL('../../../docs/protocol.schema.json', import.meta.url);
const doc = readFileSync(DOC_PATH, 'utf8');

type MethodDef = (typeof REQUESTS)[number] | (typeof NOTIFICATIONS)[number];
const METHODS: MethodDef[] = [...REQUESTS, ...NOTIFICATIONS];
const byName = new Map<string, MethodDef>(METHODS.map((m) => [m.method, m]));
/** Reasons any request may answer with besides its own (docs/protocol.md, "Requests"). */
const COMMON_REASONS: ErrorReasonName[] = [
  'invalid_params',
  'internal_error',
  'not_initialized',
  'store_failed',
];

interface Section {
  heading: string;
  /** The method of a "### `<method>`" heading, else undefined. */
  method: string | undefined;
  lines: string[];
}

/** Splits the doc at "##"/"###" headings outside code fences. */
function sections(markdown: string): Section[] {
  const out: Section[] = [];
  let current: Section = { heading: '', method: undefined, lines: [] };
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{2,3} /.test(line);
    if (heading) {
      out.push(current);
      current = { heading: line, method: /^### `([^`]+)`\s*$/.exec(line)?.[1], lines: [] };
    } else {
      current.lines.push(line);
    }
  }
  out.push(current);
  return out;
}

/** The contents of each ```json block. */
function jsonBlocks(lines: string[]): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (current === undefined && line.trim() === '```json') current = [];
    else if (current !== undefined && line.trim() === '```') {
      blocks.push(current.join('\n'));
      current = undefined;
    } else current?.push(line);
  }
  return blocks;
}

/** Markdown tables whose first header cell is `firstHeader`, as rows of trimmed cells keyed by header. */
function tables(lines: string[], firstHeader: string): Record<string, string>[][] {
  const found: Record<string, string>[][] = [];
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split('|')
      .map((c) => c.trim());
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith('|') || cells(line)[0] !== firstHeader) continue;
    const header = cells(line).map((h, index) => h || `column${index}`);
    const rows: Record<string, string>[] = [];
    for (i += 2; i < lines.length && (lines[i] as string).startsWith('|'); i++) {
      const row = cells(lines[i] as string);
      rows.push(Object.fromEntries(header.map((h, index) => [h, row[index] ?? ''])));
    }
    found.push(rows);
  }
  return found;
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '');

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  default?: unknown;
}

const docSections = sections(doc);
const methodSections = docSections.filter((s) => s.method !== undefined);

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
          .map((p) => p.slice(prefix!.length + 1));
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
    const json = z.toJSONSchema(TaskSchema, { io: 'output' }) as JsonSchemaNode;
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
          const allowed = [...(def as (typeof REQUESTS)[number]).errors, ...COMMON_REASONS];
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

  it('gives the right Content-Length for each framed message of the handshake example', () => {
    const framed = [...doc.matchAll(/^[→←] Content-Length: (\d+)\\r\\n\\r\\n(.*)$/gm)];
    expect(framed).toHaveLength(2);
    for (const [, length, body] of framed) {
      expect(Buffer.byteLength(body as string, 'utf8')).toBe(Number(length));
      expect(() => JSON.parse(body as string)).not.toThrow();
    }
  });
});

describe('docs/protocol.schema.json', () => {
  it('is what scripts/gen-protocol-schema.mjs produces from the current source (run `pnpm docs:schema`)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderProtocolSchema({ protocol, z }));
  });

  it('defines params and results for every request and params for every notification', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as {
      'x-requests': Record<string, { params: { $ref: string }; result: { $ref: string }; errors: string[] }>;
      'x-notifications': Record<string, { params: { $ref: string } }>;
      $defs: Record<string, unknown>;
    };
    expect(Object.keys(schema['x-requests'])).toEqual(REQUESTS.map((m) => m.method));
    expect(Object.keys(schema['x-notifications'])).toEqual(NOTIFICATIONS.map((m) => m.method));
    const refs = [
      ...Object.values(schema['x-requests']).flatMap((m) => [m.params.$ref, m.result.$ref]),
      ...Object.values(schema['x-notifications']).map((m) => m.params.$ref),
    ];
    for (const ref of refs) expect(schema.$defs[ref.replace('#/$defs/', '')], ref).toBeDefined();
    expect(schema['x-requests']['task/run']?.errors).toEqual([...protocol.TaskRun.errors]);
  });

  it('marks defaulted params optional and gives their default', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { $defs: Record<string, JsonSchemaNode> };
    const kill = schema.$defs.TaskKillParams as JsonSchemaNode;
    expect(kill.required).toEqual(['id']);
    expect(kill.properties?.signal?.default).toBe('SIGTERM');
    expect(kill.properties?.graceMs?.default).toBe(10_000);
    expect(schema.$defs.TaskListParams?.properties?.limit?.default).toBe(100);
  });
});
