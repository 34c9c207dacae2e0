#!/usr/bin/env node
// Writes docs/tend-toml.schema.json, the JSON Schema of tend.toml for editors (Taplo / Even Better TOML,
// JetBrains), from the zod schema the loader checks files with (@tend/protocol ProjectFileSchema).
//
//   node scripts/gen-tend-toml-schema.mjs           write the file
//   node scripts/gen-tend-toml-schema.mjs --check   exit 1 when the file is out of date
//
// Build first: `npx tsc -b packages/protocol`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBuiltProtocol } from './gen-protocol-schema.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the generated document lives. */
export const TOML_SCHEMA_PATH = join(ROOT, 'docs', 'tend-toml.schema.json');

/**
 * The tend.toml schema document (JSON Schema draft 2020-12), from the built protocol package.
 * @param {{ protocol: any, z: any }} deps the @tend/protocol module and its zod
 */
export function buildTendTomlSchema({ protocol, z }) {
  const schema = z.toJSONSchema(protocol.ProjectFileSchema(), { io: 'input', target: 'draft-2020-12' });
  return {
    $schema: schema.$schema,
    $id: 'https://github.com/tend/tend/blob/main/docs/tend-toml.schema.json',
    title: 'tend.toml',
    description:
      'A tend project file: [tasks.<name>] tables that `tend up` starts in dependency order (docs/tend-toml.md).',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

const text = `${JSON.stringify(buildTendTomlSchema(await loadBuiltProtocol()), null, 2)}\n`;
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(TOML_SCHEMA_PATH, 'utf8');
  } catch {}
  if (current !== text) {
    console.error(`${TOML_SCHEMA_PATH} is out of date: run node scripts/gen-tend-toml-schema.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(TOML_SCHEMA_PATH, text);
  console.log(`wrote ${TOML_SCHEMA_PATH}`);
}
