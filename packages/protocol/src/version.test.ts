import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEND_VERSION } from './version.js';

const root = join(import.meta.dirname, '..', '..', '..');
const versionOf = (dir: string): string =>
  (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { version: string }).version;

describe('TEND_VERSION', () => {
  it('is the version of package.json', () => {
    expect(TEND_VERSION).toBe(versionOf('packages/protocol'));
    expect(TEND_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('is the version of every workspace package, so that tend has one version number', () => {
    const dirs = [...readdirSync(join(root, 'packages')).map((name) => `packages/${name}`), 'bench'];
    expect(dirs.length).toBeGreaterThanOrEqual(6);
    for (const dir of dirs) expect({ dir, version: versionOf(dir) }).toEqual({ dir, version: TEND_VERSION });
  });
});
