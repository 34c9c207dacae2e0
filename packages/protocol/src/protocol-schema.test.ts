// Keeps docs/protocol.schema.json what scripts/gen-protocol-schema.mjs makes of the source.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { renderProtocolSchema } from '../../../scripts/gen-protocol-schema.mjs';
import * as protocol from './index.js';
import { NOTIFICATIONS, REQUESTS } from './methods.js';
import type { JsonSchemaNode } from './test-support/protocol-doc.js';

const SCHEMA_PATH = new URL('../../../docs/protocol.schema.json', import.meta.url);

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
