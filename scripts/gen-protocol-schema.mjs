#!/usr/bin/env node
// Writes docs/protocol.schema.json from the built @tend/protocol package, so that clients in other
// languages get the method schemas from the same source the daemon validates with.
//
//   node scripts/gen-protocol-schema.mjs           write the file
//   node scripts/gen-protocol-schema.mjs --check   exit 1 when the file is out of date
//
// Build first: `npx tsc -b packages/protocol` (or `pnpm docs:schema`, which builds and runs this).
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROTOCOL_DIR = join(ROOT, 'packages', 'protocol');

/** Where the generated document lives. */
export const SCHEMA_PATH = join(ROOT, 'docs', 'protocol.schema.json');

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
// Annotations that may sit beside a `$ref` when a named definition is reused.
const ANNOTATIONS = ['title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly'];

/**
 * Imports the built protocol package and the zod instance it uses (the one in packages/protocol,
 * so that schemas and toJSONSchema share a registry).
 * @returns `{ protocol, z }`
 * @throws when packages/protocol/dist is missing (run `npx tsc -b packages/protocol`).
 */
export async function loadBuiltProtocol() {
  const protocol = await import(pathToFileURL(join(PROTOCOL_DIR, 'dist', 'index.js')).href);
  const require = createRequire(join(PROTOCOL_DIR, 'package.json'));
  const zodPkgPath = require.resolve('zod/package.json');
  const zodPkg = JSON.parse(readFileSync(zodPkgPath, 'utf8'));
  const entry = zodPkg.exports?.['.']?.import ?? zodPkg.module ?? './index.js';
  const { z } = await import(pathToFileURL(join(dirname(zodPkgPath), entry)).href);
  return { protocol, z };
}

/** `task/didChange` → `TaskDidChange`, the name of the method object in @tend/protocol. */
export function defName(method) {
  return method
    .split('/')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Builds the protocol schema document: one JSON Schema (draft 2020-12) whose `$defs` hold every
 * method's params and result, the task object, and the error codes and reasons; `x-requests` and
 * `x-notifications` list the methods in documentation order with their summary and errors.
 *
 * Params the daemon receives use zod's input view (fields with a default are optional and carry
 * `default`); results and notification params, which the daemon sends, use the output view. Objects
 * that are not `.strict()` in zod are left open (no `additionalProperties: false`): clients must
 * ignore fields they do not know, which later daemons may add without a protocol bump.
 * @param {{ protocol: any, z: any }} deps the @tend/protocol module and its zod
 * @returns a plain JSON object, built in a fixed order
 */
export function buildProtocolSchema({ protocol, z }) {
  const { REQUESTS, NOTIFICATIONS, ErrorCode, ErrorReason, TaskSchema, TaskStateSchema, SignalNameSchema } =
    protocol;

  const convert = (schema, io) => {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'throw',
      override: (ctx) => {
        const def = ctx.zodSchema._zod.def;
        // zod closes every object in output mode; only .strict() objects are closed on the wire.
        if (io === 'output' && def.type === 'object' && def.catchall === undefined) {
          delete ctx.jsonSchema.additionalProperties;
        }
      },
    });
    delete json.$schema;
    return json;
  };

  // Named shapes, replaced by a $ref wherever they appear inline; biggest first, so that Task is
  // matched before the enums inside it.
  const named = [
    ['Task', convert(TaskSchema(), 'output')],
    ['TaskState', convert(TaskStateSchema(), 'output')],
    ['SignalName', convert(SignalNameSchema(), 'output')],
  ];
  const share = (json, skip) => refNamed(json, named, skip);

  const defs = {};
  for (const [name, json] of named) defs[name] = share(json, name);

  const codeName = Object.fromEntries(Object.entries(ErrorCode).map(([name, code]) => [code, name]));
  defs.ErrorCode = {
    description: 'error.code of a JSON-RPC error response; switch on data.reason rather than on the code',
    type: 'integer',
    oneOf: Object.entries(ErrorCode).map(([name, code]) => ({ const: code, title: name })),
  };
  defs.ErrorReason = {
    description:
      'stable machine-readable reason, sent in error.data.reason; x-code is the error.code it comes with',
    type: 'string',
    oneOf: Object.entries(ErrorReason).map(([reason, code]) => ({
      const: reason,
      title: codeName[code],
      'x-code': code,
    })),
  };
  defs.ErrorData = {
    description:
      "error.data of the daemon's errors; may hold more facts for the reason (e.g. candidates for ambiguous_id)",
    type: 'object',
    properties: { reason: { $ref: '#/$defs/ErrorReason' } },
    required: ['reason'],
  };
  defs.ResponseError = {
    description:
      'error member of a JSON-RPC error response. Errors of the JSON-RPC layer (-32700, -32600) may come ' +
      'without data; codes not in ErrorCode may come from the JSON-RPC library',
    type: 'object',
    properties: {
      code: { type: 'integer' },
      message: { type: 'string' },
      data: { $ref: '#/$defs/ErrorData' },
    },
    required: ['code', 'message'],
  };

  const requests = {};
  for (const m of REQUESTS) {
    const name = defName(m.method);
    defs[`${name}Params`] = share(convert(m.params, 'input'));
    defs[`${name}Result`] = share(convert(m.result, 'output'));
    requests[m.method] = {
      summary: m.summary,
      params: { $ref: `#/$defs/${name}Params` },
      result: { $ref: `#/$defs/${name}Result` },
      errors: [...m.errors],
    };
  }
  const notifications = {};
  for (const m of NOTIFICATIONS) {
    const name = defName(m.method);
    defs[`${name}Params`] = share(convert(m.params, 'output'));
    notifications[m.method] = { summary: m.summary, params: { $ref: `#/$defs/${name}Params` } };
  }

  return {
    $schema: DRAFT,
    $comment:
      'Generated by scripts/gen-protocol-schema.mjs from @tend/protocol; do not edit. Run `pnpm docs:schema`.',
    title: 'tend protocol',
    description:
      'JSON-RPC 2.0 methods of the tend daemon (see docs/protocol.md). Params are sent by name, as an object. ' +
      'Besides the reasons in x-requests.*.errors, any request may fail with those of x-commonErrors ' +
      '(not_initialized: any but daemon/initialize before it; disk_full: those that write to the task database), ' +
      'and an unknown method with method_not_found.',
    'x-protocolVersion': protocol.PROTOCOL_VERSION,
    'x-commonErrors': [...protocol.COMMON_ERROR_REASONS],
    'x-requests': requests,
    'x-notifications': notifications,
    $defs: defs,
  };
}

/** The document as written to disk: 2-space JSON with a trailing newline. */
export function renderProtocolSchema(deps) {
  return `${JSON.stringify(buildProtocolSchema(deps), null, 2)}\n`;
}

// Replaces every subschema equal to a named one (ignoring annotations) by a $ref, keeping the
// annotations beside it. `skip` is the name being defined, so that it does not refer to itself.
function refNamed(json, named, skip) {
  const visit = (node) => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const bare = stripAnnotations(node);
    for (const [name, schema] of named) {
      if (name === skip || !deepEqual(bare, stripAnnotations(schema))) continue;
      const kept = Object.fromEntries(
        Object.entries(node).filter(
          ([key, value]) => ANNOTATIONS.includes(key) && !deepEqual(value, schema[key]),
        ),
      );
      return { $ref: `#/$defs/${name}`, ...kept };
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value)]));
  };
  return visit(json);
}

function stripAnnotations(schema) {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !ANNOTATIONS.includes(key)));
}

function deepEqual(a, b) {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical(value[key])]),
  );
}

async function main(argv) {
  const check = argv.includes('--check');
  const text = renderProtocolSchema(await loadBuiltProtocol());
  if (!check) {
    writeFileSync(SCHEMA_PATH, text);
    console.log(`wrote ${SCHEMA_PATH}`);
    return 0;
  }
  let current = '';
  try {
    current = readFileSync(SCHEMA_PATH, 'utf8');
  } catch {
    // Missing counts as out of date.
  }
  if (current === text) return 0;
  console.error(`${SCHEMA_PATH} is out of date: run \`pnpm docs:schema\` and commit the result.`);
  return 1;
}

function invokedDirectly() {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  process.exitCode = await main(process.argv.slice(2));
}
