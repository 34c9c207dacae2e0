import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOTIFICATIONS, REQUESTS } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
// Built dist, as every test in test/ uses it (`pnpm test` builds first).
import { buildProgram } from '../packages/cli/dist/program.js';
import { TendClient } from '../packages/client/dist/index.js';
import { tendTools } from '../packages/mcp/dist/index.js';

const ROOT = join(import.meta.dirname, '..');

type Command = ReturnType<typeof buildProgram>;

/** One row of CONTRIBUTING.md's name map: header → cell text. */
type Row = Record<string, string>;

/** The first table after the "## Name map" heading of CONTRIBUTING.md: its headers and rows. */
function nameMap(): { headers: string[]; rows: Row[] } {
  const text = readFileSync(join(ROOT, 'CONTRIBUTING.md'), 'utf8');
  const section = text.split(/^## Name map$/m)[1];
  if (section === undefined) throw new Error('CONTRIBUTING.md has no "## Name map" section');
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
  const headers = cells(lines[0] ?? '');
  const rows = lines
    .slice(2)
    .map((line) => Object.fromEntries(cells(line).map((cell, i) => [headers[i], cell])));
  return { headers, rows };
}

/** Every `backticked` item of a cell ("—" cells hold none, or only explanations in parentheses). */
function items(cell: string | undefined): string[] {
  return [...(cell ?? '').replace(/\(.*\)/, '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
}

/** Full paths of the commands a user can type, e.g. `logs`, `daemon status` (leaves only). */
function commandPaths(command: Command, prefix: string[] = []): string[] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return sub.commands.length > 0 ? commandPaths(sub, path) : [path.join(' ')];
  });
}

const { headers, rows } = nameMap();
const column = (name: string) => rows.flatMap((row) => items(row[name]));

describe("CONTRIBUTING.md's name map", () => {
  it('has the columns this test reads', () => {
    expect(headers).toEqual([
      'CLI command',
      'Protocol method',
      '`packages/protocol/src/`',
      '`packages/daemon/src/server/handlers/`',
      'TendClient',
      '`packages/cli/src/`',
      'MCP tool',
      '`packages/mcp/src/`',
    ]);
    expect(rows.length).toBeGreaterThan(10);
  });

  it('lists every command of the CLI program, and only those', () => {
    const commands = commandPaths(buildProgram());
    expect(commands).toContain('logs');
    expect(commands).toContain('daemon status');
    expect(new Set(column('CLI command'))).toEqual(new Set(commands));
  });

  it('lists every MCP tool, and only those', () => {
    const tools = tendTools({ workspace: '/nowhere', session: 'name-map' }).map((tool) => tool.name);
    expect(tools).toContain('read_output');
    expect(new Set(column('MCP tool'))).toEqual(new Set(tools));
  });

  it('lists every protocol method, requests and notifications, once', () => {
    const methods = [...REQUESTS, ...NOTIFICATIONS].map((def) => def.method);
    const listed = column('Protocol method');
    expect([...listed].sort()).toEqual([...methods].sort());
  });

  it('names a daemon handler for every request', () => {
    for (const def of REQUESTS) {
      const row = rows.find((r) => items(r['Protocol method']).includes(def.method));
      expect({
        method: def.method,
        handlers: items(row?.['`packages/daemon/src/server/handlers/`']),
      }).toEqual({
        method: def.method,
        handlers: [expect.any(String)],
      });
    }
  });

  it('names TendClient methods that exist', () => {
    for (const call of column('TendClient')) {
      const name = call.replace(/\(\)$/, '');
      const owner = name === 'connect' ? TendClient : TendClient.prototype;
      expect({ call, type: typeof (owner as unknown as Record<string, unknown>)[name] }).toEqual({
        call,
        type: 'function',
      });
    }
  });

  it('names files that exist', () => {
    const folders = headers.filter((header) => /^`packages\/.*\/`$/.test(header));
    expect(folders).toHaveLength(4);
    for (const folder of folders) {
      for (const file of column(folder)) {
        const path = join(folder.slice(1, -1), file);
        expect({ path, exists: existsSync(join(ROOT, path)) }).toEqual({ path, exists: true });
      }
    }
  });
});
