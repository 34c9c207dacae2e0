import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_MAX_LIVE_TASKS, MIN_OUTPUT_CAP_BYTES } from '@tend/protocol';

/** Default output cap of a task: 256 MiB of disk per output.log. */
export const DEFAULT_OUTPUT_CAP_BYTES = 256 * 1024 * 1024;

/**
 * Ended tasks kept at most (with their folders and inbox entries): a week of a busy agent's
 * runs at a few hundred a day. pm2 and docker keep everything until asked; pueue until `clean`.
 */
export const DEFAULT_KEEP_ENDED_TASKS = 1_000;
/** Days an ended task is kept after its end: a work week plus a weekend, so Monday still sees Friday's runs. */
export const DEFAULT_KEEP_ENDED_DAYS = 7;
/** How often the daemon applies the age limit, in ms (the count limit is applied at every task end). */
export const DEFAULT_RETENTION_SWEEP_MS = 3_600_000;
/** Size at which daemon.log is rotated, in bytes (10 MiB; journald caps by size too). */
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
/** Rotated daemon logs kept (daemon.log.1 … .N) besides daemon.log. */
export const DEFAULT_LOG_FILES = 3;

/** `config.json` (in the config dir); every field optional. */
export const ConfigSchema = z
  .object({
    outputCapBytes: z
      .number()
      .int()
      .min(MIN_OUTPUT_CAP_BYTES, 'must be at least 65536 bytes (64 KiB)')
      .default(DEFAULT_OUTPUT_CAP_BYTES)
      .describe('default disk limit of one task output.log, in bytes'),
    killGraceMs: z
      .number()
      .int()
      .min(0)
      .max(300_000)
      .default(5_000)
      .describe('ms between SIGTERM and SIGKILL when a timeout or a shutdown stops a task'),
    keepEndedTasks: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_KEEP_ENDED_TASKS)
      .describe('most ended tasks kept; older ones are removed with their folders and inbox entries'),
    keepEndedDays: z
      .number()
      .positive()
      .default(DEFAULT_KEEP_ENDED_DAYS)
      .describe('days an ended task is kept after its end (fractions allowed); whichever limit comes first applies'),
    retentionSweepMs: z
      .number()
      .int()
      .min(100)
      .max(86_400_000)
      .default(DEFAULT_RETENTION_SWEEP_MS)
      .describe('ms between two applications of keepEndedDays'),
    logMaxBytes: z
      .number()
      .int()
      .min(1024)
      .default(DEFAULT_LOG_MAX_BYTES)
      .describe('size in bytes at which daemon.log is rotated to daemon.log.1'),
    logFiles: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(DEFAULT_LOG_FILES)
      .describe('rotated daemon logs kept besides daemon.log'),
    maxLiveTasks: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(DEFAULT_MAX_LIVE_TASKS)
      .describe('most live tasks (starting, running, stopping) at once; task/run past it is refused with limit_exceeded'),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;

/** Raised when config.json exists but is not valid. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads `configPath`; a missing file means all defaults.
 * @throws ConfigError naming the file and each bad field, when it is not valid JSON or breaks the schema.
 */
export function loadConfig(configPath: string): Config {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ConfigSchema.parse({});
    throw new ConfigError(`cannot read ${configPath}: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${configPath} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = ConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigError(`${configPath}: ${issues.join('; ')}`);
  }
  return result.data;
}
