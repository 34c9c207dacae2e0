// Reads docs/protocol.md for the tests that keep it true to the method objects (protocol-*.test.ts).
import { readFileSync } from 'node:fs';
import { NOTIFICATIONS, REQUESTS } from '../methods.js';

const DOC_PATH = new URL('../../../../docs/protocol.md', import.meta.url);
/** The text of docs/protocol.md. */
export const doc = readFileSync(DOC_PATH, 'utf8');
export type MethodDef = (typeof REQUESTS)[number] | (typeof NOTIFICATIONS)[number];
export const METHODS: MethodDef[] = [...REQUESTS, ...NOTIFICATIONS];
export const byName = new Map<string, MethodDef>(METHODS.map((m) => [m.method, m]));

export interface Section {
  heading: string;
  /** The method of a "### `<method>`" heading, else undefined. */
  method: string | undefined;
  lines: string[];
}

/** Splits the doc at "##"/"###" headings outside code fences. */
export function sections(markdown: string): Section[] {
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
export function jsonBlocks(lines: string[]): string[] {
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
export function tables(lines: string[], firstHeader: string): Record<string, string>[][] {
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

export const unquote = (cell: string) => cell.replace(/^`|`$/g, '');

export interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  default?: unknown;
}

export const docSections = sections(doc);
export const methodSections = docSections.filter((s) => s.method !== undefined);
