import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import {
  TASK_NAME_PATTERN,
  MAX_PIDS_MAX,
  MIN_MEMORY_MAX_BYTES,
  MIN_OUTPUT_CAP_BYTES,
  MAX_TIMEOUT_MS,
  MAX_DESCRIPTION_CHARS,
} from '../limits.js';
import {
  AbsolutePathSchema,
  checkCommandEnvBytes,
  EnvSchema,
  ShellCommandSchema,
  UmaskSchema,
} from '../field-limits.js';
import { RestartPolicySchema, TaskLifetimeSchema, TaskSchema } from '../task.js';

export const TaskNameSchema = lazySchema(() =>
  z
    .string()
    .regex(
      TASK_NAME_PATTERN,
      'must start with a letter or digit and hold only letters, digits, ".", "_" or "-" (at most 64)',
    ),
);

/**
 * The fields of task/run's params, without its cross-field checks (reuse needs a name; command and
 * environment size): project/up's task specs are built from them (methods/project-up.ts).
 */
export const TaskRunFields = lazySchema(() =>
  z
    .object({
      // Regexes rather than refinements so that the JSON Schema carries the rule too (docs/protocol.schema.json).
      command: ShellCommandSchema().describe('shell command line, not blank, no NUL, at most 131071 bytes'),
      cwd: AbsolutePathSchema().describe('absolute working directory; must exist'),
      env: EnvSchema()
        .default({})
        .describe(
          'variables to set (or override) for the task: names not empty, without "=" or NUL; values without NUL',
        ),
      inheritEnv: z
        .boolean()
        .default(true)
        .describe("start from the daemon's environment; false: only capturedEnv and env"),
      capturedEnv: EnvSchema()
        .optional()
        .describe(
          "the caller's whole environment, laid over the daemon's (or alone with inheritEnv false); stored with the " +
            'task, task/get lists only its names unless asked for its values',
        ),
      umask: UmaskSchema()
        .optional()
        .describe('file mode creation mask of the task, octal digits such as "022" or "0077"'),
      tty: z
        .boolean()
        .default(false)
        .describe(
          'run the command under a pseudo-terminal (util-linux script): isatty(1) is true, so programs line-buffer and ' +
            'keep colours; the output still goes to output.log, as written (no CRLF)',
        ),
      // Agent hooks (issue 17): description, notify, trigger.
      description: z
        .string()
        .max(MAX_DESCRIPTION_CHARS, 'must be at most 500 characters')
        .regex(/^[^\0]*\S[^\0]*$/, 'must not be blank or hold a NUL')
        .optional()
        .describe(
          'what the task is for, in free text (at most 500 characters); shown beside its name by ps, inspect and ' +
            'list_tasks, and matched by task/list search',
        ),
      notify: z
        .boolean()
        .default(true)
        .describe(
          'report its end to agents: hook output (tend hook) and notifications; false: only the inbox (task/completions) keeps it',
        ),
      trigger: z
        .boolean()
        .default(false)
        .describe(
          'its end may continue a stopped agent: while it is live, the Stop hook of its session (tend hook <host> stop) ' +
            'waits for it and hands its end to the agent',
        ),
      name: TaskNameSchema()
        .optional()
        .describe(
          'unique among live tasks of its project (among live ad-hoc tasks when there is no project)',
        ),
      project: AbsolutePathSchema()
        .optional()
        .describe(
          'absolute directory of the project file (tend.toml) the task was declared in; names are unique per project',
        ),
      timeoutMs: z
        .number()
        .int('must be an integer number of ms')
        .positive('must be a positive number of ms')
        .max(MAX_TIMEOUT_MS, 'must be at most 30 days')
        .optional()
        .describe('kill the task (SIGTERM, then SIGKILL) and end it timed_out after this many ms'),
      // Lifetime policies (issue 12): lifetime and ttlMs.
      lifetime: TaskLifetimeSchema()
        .default('persistent')
        .describe(
          '"persistent": runs until it ends or is stopped; "session": also stopped (ends killed) once no client ' +
            "of the caller's session (daemon/initialize session) has been connected for the daemon's " +
            'sessionGraceMs (default 60000); needs a session',
        ),
      ttlMs: z
        .number()
        .int('must be an integer number of ms')
        .positive('must be a positive number of ms')
        .max(MAX_TIMEOUT_MS, 'must be at most 30 days')
        .optional()
        .describe(
          'time to live: stop the task (SIGTERM, then SIGKILL) this many ms after its start, counted across ' +
            'daemon restarts; it ends killed (an intended end, unlike timeoutMs, which ends timed_out)',
        ),
      outputCapBytes: z
        .number()
        .int('must be an integer number of bytes')
        .min(MIN_OUTPUT_CAP_BYTES, 'must be at least 65536 bytes (64 KiB)')
        .optional()
        .describe(
          "most disk its output.log may use; past it the oldest output is dropped (default: the daemon's config)",
        ),
      memoryMaxBytes: z
        .number()
        .int('must be an integer number of bytes')
        .min(MIN_MEMORY_MAX_BYTES, 'must be at least 1048576 bytes (1 MiB)')
        .optional()
        .describe(
          "memory.max of the task's cgroup, in bytes: past it the OOM killer ends the task (no swap beyond it); " +
            'needs cgroup containment with the memory controller, else limit_unavailable',
        ),
      pidsMax: z
        .number()
        .int('must be a whole number of processes')
        .min(1, 'must be at least 1')
        .max(MAX_PIDS_MAX, 'must be at most 4194304 (the most pids Linux has)')
        .optional()
        .describe(
          "pids.max of the task's cgroup: most processes and threads at once, fork() fails past it; " +
            'needs cgroup containment with the pids controller, else limit_unavailable',
        ),
      killLeftovers: z
        .boolean()
        .optional()
        .describe(
          "end the task's remaining processes (SIGKILL) as soon as its main command ends; default: the daemon's " +
            'killLeftovers config (false). A timeout or a stop ends every process of the task either way',
        ),
      reuse: z
        .boolean()
        .default(false)
        .describe(
          'with name: if a live task has that name, the same command and cwd, return it instead of starting another',
        ),
      restart: RestartPolicySchema()
        .optional()
        .describe(
          'restart policy: start the command again (same task id, `restarts` + 1, output appended) when a run ends ' +
            'failed or timed_out ("on-failure") or in any way but a stop ("always"), after a backoff, at most ' +
            'maxRestarts times within windowMs; the task is `restarting` meanwhile',
        ),
    })
    .strict(),
);

export const TaskRun = defineRequest({
  method: REQUEST_NAMES.TaskRun,
  summary:
    "Starts `command` in the background through `$SHELL -c` (fallback /bin/sh) in `cwd`, with the daemon's " +
    'environment (unless inheritEnv is false), `capturedEnv` over it and `env` over both, and with `umask` (default ' +
    "the daemon's). stdout and stderr go to the task's output.log; " +
    'stdin is /dev/null. Returns the task once its process is running. A command that does not exist still ' +
    "starts: the task fails with exit code 127 and the shell's message in its output. With `name` and `reuse`, a " +
    'live task of that name (in the same project) running the same command in the same cwd is returned (`reused: true`) instead of a ' +
    'second one (no duplicate dev servers); a different command or cwd is refused with name_in_use.',
  params: () =>
    TaskRunFields()
      .refine((p) => !p.reuse || p.name !== undefined, {
        message: 'reuse needs a name',
        path: ['reuse'],
      })
      .superRefine((p, ctx) => {
        const tooBig = checkCommandEnvBytes(p.command, { ...p.capturedEnv, ...p.env });
        if (tooBig) ctx.addIssue({ code: 'custom', path: ['env'], message: tooBig });
      }),
  result: () =>
    TaskSchema().extend({
      reused: z.boolean().optional().describe('true when reuse returned an existing live task'),
    }),
  errors: ['invalid_cwd', 'name_in_use', 'invalid_name', 'limit_exceeded', 'limit_unavailable', 'disk_full'],
});
