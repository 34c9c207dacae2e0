// @tend/protocol/wire must stay free of zod at run time (the CLI would pay ~110 ms per command),
// and its method references must name the method objects' methods.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_NAMES, REQUEST_NAMES } from './method-names.js';
import { NOTIFICATION_METHODS, NOTIFICATIONS, REQUEST_METHODS, REQUESTS } from './methods.js';
import { Methods } from './wire.js';

const BUILT_WIRE = fileURLToPath(new URL('../dist/wire.js', import.meta.url));

// Imports the built wire.js in a fresh node with a resolve hook that prints every module URL resolved.
const LIST_MODULES = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  'export async function resolve(s, c, next) { const r = await next(s, c); process.stdout.write(r.url + "\\\\n"); return r; }',
));
await import(process.argv[1]);
`;

describe('@tend/protocol/wire', () => {
  it('loads no other package at run time (no zod), only its own files (reads dist: pnpm test builds first)', () => {
    const urls = execFileSync(process.execPath, ['--input-type=module', '-e', LIST_MODULES, BUILT_WIRE], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((url) => url !== '');
    expect(urls.length).toBeGreaterThan(1);
    // The package's own files (dist, package.json) may load; nothing from node_modules.
    const packageDir = new URL('..', `file://${BUILT_WIRE}`).href;
    const foreign = urls.filter(
      (url) => !url.startsWith('node:') && (!url.startsWith(packageDir) || url.includes('/node_modules/')),
    );
    expect(foreign).toEqual([]);
  });

  it('has one reference per method object, under its key, naming its method', () => {
    const objects = { ...REQUEST_METHODS, ...NOTIFICATION_METHODS };
    expect(Object.keys(Methods)).toEqual(Object.keys(objects));
    for (const [key, object] of Object.entries(objects))
      expect(Methods[key as keyof typeof Methods].method, key).toBe(object.method);
  });

  it('lists the method objects in the order of the name lists', () => {
    expect(REQUESTS.map((m) => m.method)).toEqual(Object.values(REQUEST_NAMES));
    expect(NOTIFICATIONS.map((m) => m.method)).toEqual(Object.values(NOTIFICATION_NAMES));
    expect(REQUESTS.every((m) => m.kind === 'request')).toBe(true);
    expect(NOTIFICATIONS.every((m) => m.kind === 'notification')).toBe(true);
  });
});
