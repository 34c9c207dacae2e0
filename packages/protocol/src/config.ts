import * as z from 'zod';
import { lazySchema } from './lazy-schema.js';
import {
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_MAX_LIVE_TASKS,
  MAX_KILL_GRACE_MS,
  MIN_OUTPUT_CAP_BYTES,
} from './limits.js';

// The schema of `config.json`, shared by the daemon (which applies it at start)
// and the clients (which check it before they auto-start a daemon, so that a bad
// file fails at once instead of as a daemon that never answers). It loads zod:
// clients import it only when they are about to start a daemon. The schema is built
// when a file is checked: without config.json, parseConfig gives configDefaults().

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
/** Default config `sessionGraceMs`: a minute, long enough for an agent or editor to restart and reconnect. */
export const DEFAULT_SESSION_GRACE_MS = 60_000;

/**
 * The applied config when there is no config.json: every default. The schema's defaults are these values
 * (config.test.ts checks that `ConfigSchema().parse({})` gives the same), so that a daemon without a
 * config file never builds the schema. A fresh object each call: callers may keep and change it.
 */
export function configDefaults(): Config {
  return {
    outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES,
    killGraceMs: DEFAULT_KILL_GRACE_MS,
    keepEndedTasks: DEFAULT_KEEP_ENDED_TASKS,
    keepEndedDays: DEFAULT_KEEP_ENDED_DAYS,
    retentionSweepMs: DEFAULT_RETENTION_SWEEP_MS,
    logMaxBytes: DEFAULT_LOG_MAX_BYTES,
    logFiles: DEFAULT_LOG_FILES,
    maxLiveTasks: DEFAULT_MAX_LIVE_TASKS,
    containment: 'auto',
    killLeftovers: false,
    sessionGraceMs: DEFAULT_SESSION_GRACE_MS,
  };
}

/**
 * `config.json` (in the config dir, `$XDG_CONFIG_HOME/tend/` or `$TEND_HOME/config/`):
 * one JSON object, every key optional, unknown keys refused. Add new keys here,
 * each with its default, its error message (what is allowed) and a description.
 */
export const ConfigSchema = lazySchema(() =>
  z
    .object({
      outputCapBytes: z
        .number({
          error: 'must be a whole number of bytes, at least 65536 (64 KiB), e.g. 67108864 for 64 MiB',
        })
        .int({ error: 'must be a whole number of bytes, at least 65536 (64 KiB)' })
        .min(MIN_OUTPUT_CAP_BYTES, { error: 'must be at least 65536 bytes (64 KiB)' })
        .default(DEFAULT_OUTPUT_CAP_BYTES)
        .describe('default disk limit of one task output.log, in bytes'),
      killGraceMs: z
        .number({ error: `must be a whole number of ms from 0 to ${MAX_KILL_GRACE_MS}, e.g. 10000 for 10 s` })
        .int({ error: `must be a whole number of ms from 0 to ${MAX_KILL_GRACE_MS}` })
        .min(0, { error: 'must be 0 ms or more' })
        .max(MAX_KILL_GRACE_MS, { error: `must be at most ${MAX_KILL_GRACE_MS} ms (5 min)` })
        .default(DEFAULT_KILL_GRACE_MS)
        .describe('ms between SIGTERM and SIGKILL when a timeout or a shutdown stops a task'),
      keepEndedTasks: z
        .number({ error: 'must be a whole number of tasks, at least 1, e.g. 1000' })
        .int({ error: 'must be a whole number of tasks, at least 1' })
        .min(1, { error: 'must be at least 1' })
        .default(DEFAULT_KEEP_ENDED_TASKS)
        .describe('most ended tasks kept; older ones are removed with their folders and inbox entries'),
      keepEndedDays: z
        .number({ error: 'must be a number of days above 0 (fractions allowed), e.g. 7' })
        .positive({ error: 'must be above 0 days' })
        .default(DEFAULT_KEEP_ENDED_DAYS)
        .describe(
          'days an ended task is kept after its end (fractions allowed); whichever limit comes first applies',
        ),
      retentionSweepMs: z
        .number({
          error: 'must be a whole number of ms from 100 to 86400000 (a day), e.g. 3600000 for an hour',
        })
        .int({ error: 'must be a whole number of ms from 100 to 86400000' })
        .min(100, { error: 'must be at least 100 ms' })
        .max(86_400_000, { error: 'must be at most 86400000 ms (a day)' })
        .default(DEFAULT_RETENTION_SWEEP_MS)
        .describe('ms between two applications of keepEndedDays'),
      logMaxBytes: z
        .number({ error: 'must be a whole number of bytes, at least 1024, e.g. 10485760 for 10 MiB' })
        .int({ error: 'must be a whole number of bytes, at least 1024' })
        .min(1024, { error: 'must be at least 1024 bytes' })
        .default(DEFAULT_LOG_MAX_BYTES)
        .describe('size in bytes at which daemon.log is rotated to daemon.log.1'),
      logFiles: z
        .number({ error: 'must be a whole number of files from 1 to 100, e.g. 3' })
        .int({ error: 'must be a whole number of files from 1 to 100' })
        .min(1, { error: 'must be at least 1' })
        .max(100, { error: 'must be at most 100' })
        .default(DEFAULT_LOG_FILES)
        .describe('rotated daemon logs kept besides daemon.log'),
      maxLiveTasks: z
        .number({ error: 'must be a whole number of tasks from 1 to 100000, e.g. 128' })
        .int({ error: 'must be a whole number of tasks from 1 to 100000' })
        .min(1, { error: 'must be at least 1' })
        .max(100_000, { error: 'must be at most 100000' })
        .default(DEFAULT_MAX_LIVE_TASKS)
        .describe(
          'most live tasks (starting, running, stopping) at once; task/run past it is refused with limit_exceeded',
        ),
      containment: z
        .enum(['auto', 'cgroup', 'marker'], {
          error: 'must be "auto" (cgroup where one can be written, else marker), "cgroup" or "marker"',
        })
        .default('auto')
        .describe(
          'how tasks are contained: "cgroup" (each task in its own cgroup v2; start-up fails when none can be written), ' +
            '"marker" (process group plus every process carrying TEND_TASK_ID), "auto" (cgroup where possible)',
        ),
      cgroupRoot: z
        .string({ error: 'must be the absolute path of a cgroup v2 directory the daemon may write' })
        .startsWith('/', { error: 'must be an absolute path (a cgroup v2 directory the daemon may write)' })
        .optional()
        .describe(
          "cgroup v2 directory under which each task gets its own cgroup (default: the daemon's own cgroup when it is delegated)",
        ),
      killLeftovers: z
        .boolean({ error: 'must be true or false' })
        .default(false)
        .describe(
          "default of task/run killLeftovers: end a task's remaining processes as soon as its main command ends",
        ),
      sessionGraceMs: z
        .number({ error: 'must be a whole number of ms from 0 to 86400000 (a day), e.g. 60000 for a minute' })
        .int({ error: 'must be a whole number of ms from 0 to 86400000' })
        .min(0, { error: 'must be 0 ms or more' })
        .max(86_400_000, { error: 'must be at most 86400000 ms (a day)' })
        .default(DEFAULT_SESSION_GRACE_MS)
        .describe(
          'ms a task with lifetime "session" keeps running after the last client of its session disconnected',
        ),
    })
    .strict(),
);

/** The applied config: every key set (defaults filled in). */
export type Config = z.infer<ReturnType<typeof ConfigSchema>>;

/** One thing wrong in config.json. */
export interface ConfigIssue {
  /** The key at fault (`outputCapBytes`, `a.b` when nested); undefined for the file as a whole. */
  key?: string;
  /** The value found there, when there was one. */
  value?: unknown;
  /** What is allowed, in words. */
  message: string;
}

/**
 * config.json could not be used: unreadable, not JSON, or against {@link ConfigSchema}.
 * The message names the file, each bad key and value, what is allowed, and how to apply a fix.
 */
export class InvalidConfigError extends Error {
  override name = 'InvalidConfigError';
  /** Path of the config file. */
  readonly path: string;
  /** What is wrong, key by key (one issue without `key` for unreadable or non-JSON files). */
  readonly issues: ConfigIssue[];

  constructor(path: string, issues: ConfigIssue[], options?: { cause?: unknown }) {
    super(
      `${path}: ${issues.map(describeIssue).join('; ')}; fix or remove it, then run the command again`,
      options,
    );
    this.path = path;
    this.issues = issues;
  }
}

/**
 * Parses and checks the text of config.json.
 * @param text the file's contents; `undefined` when the file does not exist (all defaults, {@link configDefaults},
 *   without building the schema).
 * @param path the file's path, quoted in errors.
 * @returns the config with defaults filled in.
 * @throws InvalidConfigError when the text is not JSON or breaks {@link ConfigSchema}.
 */
export function parseConfig(text: string | undefined, path: string): Config {
  if (text === undefined) return configDefaults();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidConfigError(path, [{ message: `not valid JSON (${(error as Error).message})` }], {
      cause: error,
    });
  }
  const result = ConfigSchema().safeParse(raw);
  if (result.success) return result.data;
  const allowed = Object.keys(ConfigSchema().shape).join(', ');
  const issues = result.error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ key, message: `is not a config key; the keys are ${allowed}` }));
    }
    if (issue.path.length === 0)
      return [{ message: `must be a JSON object with the keys ${allowed} (each optional)` }];
    const key = issue.path.join('.');
    const value = (raw as Record<string, unknown>)[String(issue.path[0])];
    return [{ key, value, message: issue.message }];
  });
  throw new InvalidConfigError(path, issues);
}

function describeIssue(issue: ConfigIssue): string {
  if (issue.key === undefined) return issue.message;
  const found = issue.value === undefined ? '' : ` is ${JSON.stringify(issue.value)}:`;
  return `key "${issue.key}"${found} ${issue.message}`;
}
