// The project file, tend.toml: its schema in the file's own terms (snake_case keys, durations and sizes as
// the user writes them). The client's loader (packages/client/src/project-file.ts) parses the TOML, checks it
// against this schema and turns each task into project/up's ProjectTaskSpec; scripts/gen-tend-toml-schema.mjs
// publishes it as docs/tend-toml.schema.json for editors.
import { lazySchema } from './lazy-schema.js';
import * as z from 'zod';
import { TASK_LIFETIMES } from './lifetimes.js';
import { RESTART_POLICIES } from './restart-policy.js';
import { DependencyConditionSchema } from './methods/project-up.js';
import { TaskNameSchema } from './methods/task-run.js';

/** A duration as written in tend.toml: `"30s"`, `"1m30s"`, `"500ms"`, `"2h"` (a bare number is seconds). */
export const FileDurationSchema = lazySchema(() =>
  z
    .union([
      z
        .string()
        .regex(
          /^\s*(?:\d+(?:\.\d+)?\s*[a-zµ]*\s*)+$/i,
          'must be a duration such as "30s", "1m30s" or "500ms"',
        ),
      z.number().nonnegative('must not be negative'),
    ])
    .describe('a duration: "30s", "1m30s", "500ms", "2h"; a bare number is seconds'),
);

/** A size as written in tend.toml: bytes, or `"64KiB"`, `"10MB"`, `"1GiB"`. */
export const FileSizeSchema = lazySchema(() =>
  z
    .union([
      z.number().int().positive('must be a positive number of bytes'),
      z
        .string()
        .regex(
          /^\s*\d+(?:\.\d+)?\s*(?:[kmgt]i?b?|b)?\s*$/i,
          'must be a size such as "64KiB", "10M" or "1GiB"',
        ),
    ])
    .describe('a size in bytes, or a string such as "64KiB", "10M", "1GiB" (K, M, G, T are powers of 1024)'),
);

/** `ready = { … }`: exactly one check, and an optional timeout. */
export const FileReadySchema = lazySchema(() =>
  z
    .object({
      output: z
        .string()
        .min(1, 'must be a regular expression, not empty')
        .optional()
        .describe('a line of output matches this regular expression (RE2)'),
      port: z
        .number()
        .int()
        .min(1, 'must be a TCP port (1 to 65535)')
        .max(65535, 'must be a TCP port (1 to 65535)')
        .optional()
        .describe('a process of the task listens on this TCP port'),
      http: z
        .string()
        .regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL')
        .optional()
        .describe('this URL answers'),
      command: z
        .string()
        .min(1, 'must be a shell command, not empty')
        .optional()
        .describe("this shell command exits 0 (run in the task's cwd and environment)"),
      timeout: FileDurationSchema().optional().describe('give up after this long (default 60s)'),
    })
    .strict()
    .refine((r) => [r.output, r.port, r.http, r.command].filter((v) => v !== undefined).length === 1, {
      message: 'give exactly one of output, port, http and command (e.g. ready = { port = 5432 })',
    }),
);

/** The restart policies (the shared restart object's `policy`). */
const RestartPolicySchema = lazySchema(() =>
  z.enum(RESTART_POLICIES, { error: 'must be "no", "on-failure" or "always"' }),
);

/** `restart = "on-failure"` or `restart = { policy = "on-failure", max_restarts = 5, window = "60s", backoff = "500ms", backoff_max = "30s" }`. */
export const FileRestartSchema = lazySchema(() =>
  z.union([
    RestartPolicySchema(),
    z
      .object({
        policy: RestartPolicySchema(),
        max_restarts: z
          .number()
          .int()
          .min(0, 'must be 0 or more')
          .optional()
          .describe('give up after this many restarts within window (default 5)'),
        window: FileDurationSchema().optional().describe('the window max_restarts counts in (default 60s)'),
        backoff: FileDurationSchema()
          .optional()
          .describe('first delay before a restart, doubled each time (default 500ms)'),
        backoff_max: FileDurationSchema().optional().describe('longest delay (default 30s)'),
      })
      .strict(),
  ]),
);

/** One `[tasks.<name>]` table. */
export const FileTaskSchema = lazySchema(() =>
  z
    .object({
      command: z
        .string()
        .min(1, 'must be a shell command, not empty')
        .describe('shell command line, run with $SHELL -c'),
      cwd: z
        .string()
        .optional()
        .describe("working directory, relative to the file's directory (default: that directory)"),
      env: z.record(z.string(), z.string()).optional().describe('variables to set for the task'),
      env_file: z
        .string()
        .optional()
        .describe('a KEY=VALUE file (dotenv format), relative to the file; env wins over it'),
      depends_on: z
        .union([z.array(TaskNameSchema()), z.record(TaskNameSchema(), DependencyConditionSchema())])
        .optional()
        .describe(
          'a list of tasks that must be ready, or a table of task = "succeeded" | "ready" | "started"',
        ),
      ready: FileReadySchema().optional().describe('when the task counts as ready; absent: once started'),
      restart: FileRestartSchema()
        .optional()
        .describe('restart policy: "no", "on-failure" or "always", or a table'),
      timeout: FileDurationSchema().optional().describe('kill the task and end it timed_out after this long'),
      lifetime: z.enum(TASK_LIFETIMES).optional().describe('"persistent" (default) or "session"'),
      ttl: FileDurationSchema().optional().describe('stop the task this long after its start'),
      output_cap: FileSizeSchema()
        .optional()
        .describe("most disk its output may use (default: the daemon's)"),
      tty: z.boolean().optional().describe('run under a pseudo-terminal'),
      memory_max: FileSizeSchema().optional().describe("memory.max of the task's cgroup"),
      pids_max: z.number().int().min(1).optional().describe("pids.max of the task's cgroup"),
      kill_leftovers: z.boolean().optional().describe('end leftover processes when the main command ends'),
    })
    .strict(),
);
export type FileTask = z.infer<ReturnType<typeof FileTaskSchema>>;

/** The whole file: `[tasks.<name>]` tables. */
export const ProjectFileSchema = lazySchema(() =>
  z
    .object({
      tasks: z
        .record(TaskNameSchema(), FileTaskSchema())
        .refine((tasks) => Object.keys(tasks).length > 0, 'must declare at least one task')
        .describe('the tasks of the project, by name'),
    })
    .strict(),
);
export type ProjectFile = z.infer<ReturnType<typeof ProjectFileSchema>>;
