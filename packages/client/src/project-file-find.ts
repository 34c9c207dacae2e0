// Kept free of zod and the TOML parser: `tend ps --project` uses it.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PROJECT_FILE_NAME } from '@tend/protocol/wire';

/**
 * The nearest `tend.toml` at or above `dir`, as git finds `.git`.
 * @returns its absolute path, or undefined when no directory up to `/` holds one.
 */
export function findProjectFile(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, PROJECT_FILE_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    if (dirname(current) === current) return undefined;
  }
}
