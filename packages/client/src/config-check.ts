import { readFileSync } from 'node:fs';
import { resolvePaths } from '@tend/protocol/wire';
import { InvalidConfigError } from './errors.js';

/**
 * Checks the config.json a daemon started with `env` would read (TEND_HOME /
 * XDG_CONFIG_HOME), so that a bad file fails at once, naming the file, the key
 * and what is allowed, instead of as a daemon that exits before it listens.
 * zod (the schema, from `@tend/protocol/config`) is loaded only when the file exists.
 * @returns undefined at once when there is no config.json (nothing to wait for),
 *   else a promise that settles once the file was checked.
 * @throws InvalidConfigError (reason `invalid_config`; `data` holds `path` and
 *   `issues: [{key?, value?, message}]`) when the file is unreadable, not JSON or breaks the schema.
 */
export function checkConfigFile(env: Record<string, string | undefined>): Promise<void> | undefined {
  const { configPath } = resolvePaths({ env });
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const message = `cannot be read (${(error as Error).message})`;
    const issues = [{ message }];
    throw new InvalidConfigError(`${configPath}: ${message}`, {
      cause: error,
      data: { reason: 'invalid_config', path: configPath, issues },
    });
  }
  return checkConfigText(text, configPath);
}

async function checkConfigText(text: string, configPath: string): Promise<void> {
  const config = await import('@tend/protocol/config');
  try {
    config.parseConfig(text, configPath);
  } catch (error) {
    if (!(error instanceof config.InvalidConfigError)) throw error;
    throw new InvalidConfigError(error.message, {
      cause: error,
      data: { reason: 'invalid_config', path: error.path, issues: error.issues },
    });
  }
}
