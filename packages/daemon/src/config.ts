import { readFileSync } from 'node:fs';
import { InvalidConfigError, parseConfig, type Config } from '@tend/protocol';

// The schema itself lives in @tend/protocol (config.ts), so that clients check the file before they start a daemon.
export {
  ConfigSchema,
  DEFAULT_OUTPUT_CAP_BYTES,
  InvalidConfigError as ConfigError,
  type Config,
} from '@tend/protocol';

/**
 * Reads `configPath`; a missing file means all defaults.
 * @throws InvalidConfigError (exported here as ConfigError too) naming the file, each bad key and what is
 *   allowed, when the file cannot be read, is not valid JSON or breaks the schema.
 */
export function loadConfig(configPath: string): Config {
  let text: string | undefined;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InvalidConfigError(
        configPath,
        [{ message: `cannot be read (${(error as Error).message})` }],
        { cause: error },
      );
    }
  }
  return parseConfig(text, configPath);
}
