import * as z from 'zod';
import { lazySchema } from './lazy-schema.js';
import { SIGNAL_NAMES } from './signals.js';
import { TASK_LIFETIMES } from './lifetimes.js';
import { TASK_STATES } from './states.js';
import {
  DEFAULT_MAX_RESTARTS,
  DEFAULT_RESTART_BACKOFF_MAX_MS,
  DEFAULT_RESTART_BACKOFF_MS,
  DEFAULT_RESTART_WINDOW_MS,
  MAX_MAX_RESTARTS,
  RESTART_POLICIES,
} from './restart-policy.js';
import { MAX_TIMEOUT_MS } from './limits.js';

export { isTerminal, LIVE_STATES, TASK_STATES, TERMINAL_STATES, type TaskState } from './states.js';

export const TaskStateSchema = lazySchema(() => z.enum(TASK_STATES));

export const SignalNameSchema = lazySchema(() => z.enum(SIGNAL_NAMES as [string, ...string[]]));

/** A lifetime policy of task/run (see {@link TASK_LIFETIMES}). */
export const TaskLifetimeSchema = lazySchema(() =>
  z.enum(TASK_LIFETIMES, {
    error:
      'must be "persistent" (runs until it ends or is stopped) or "session" (stopped when its session is gone)',
  }),
);

/** A duration of a restart policy, in ms. */
const restartMs = (what: string) =>
  z
    .number()
    .int(`${what} must be an integer number of ms`)
    .nonnegative(`${what} must be 0 or more ms`)
    .max(MAX_TIMEOUT_MS, `${what} must be at most 30 days`);

/**
 * A restart policy (task/run `restart`; docs/protocol.md, "Restart policies"). The defaults are filled in by
 * the daemon, and a task shows its policy with them.
 */
export const RestartPolicySchema = lazySchema(() =>
  z
    .object({
      policy: z.enum(RESTART_POLICIES, {
        error: 'must be "no", "on-failure" (restart a run that failed or timed out) or "always"',
      }),
      maxRestarts: z
        .number()
        .int('must be a whole number of restarts')
        .min(0, 'must be 0 or more')
        .max(MAX_MAX_RESTARTS, 'must be at most 1000000')
        .optional()
        .describe(
          `give up (the task ends failed) after this many restarts within windowMs; default ${DEFAULT_MAX_RESTARTS}`,
        ),
      windowMs: restartMs('windowMs')
        .optional()
        .describe(
          `the window in which restarts count towards maxRestarts, in ms; default ${DEFAULT_RESTART_WINDOW_MS}`,
        ),
      backoffMs: restartMs('backoffMs')
        .optional()
        .describe(
          `delay before the first restart, in ms, doubled for each restart still in the window; default ${DEFAULT_RESTART_BACKOFF_MS}`,
        ),
      backoffMaxMs: restartMs('backoffMaxMs')
        .optional()
        .describe(`longest delay before a restart, in ms; default ${DEFAULT_RESTART_BACKOFF_MAX_MS}`),
    })
    .strict(),
);
export type RestartPolicy = z.infer<ReturnType<typeof RestartPolicySchema>>;

/**
 * A task as every method, `--json` and the client return it. Times are ISO 8601
 * UTC strings, durations and sizes integers (ms, bytes); absent fields are omitted.
 */
/** How a task's processes are contained (docs/design.md, "Containment"). */
export const TaskContainmentSchema = lazySchema(() => z.enum(['cgroup', 'marker', 'group']));
export type TaskContainment = z.infer<ReturnType<typeof TaskContainmentSchema>>;

export const TaskSchema = lazySchema(() =>
  z.object({
    id: z.string().describe('short random lowercase id; any unique prefix resolves it'),
    name: z
      .string()
      .optional()
      .describe('user-given name, unique among live tasks of its project (or among live ad-hoc tasks)'),
    project: z
      .string()
      .optional()
      .describe(
        'absolute directory of the tend.toml it was declared in (project/up); absent for ad-hoc tasks',
      ),
    command: z.string().describe('shell command line, run with $SHELL -c'),
    cwd: z.string().describe('absolute working directory'),
    env: z.record(z.string(), z.string()).describe('environment overrides given at run'),
    inheritEnv: z
      .boolean()
      .describe("false when the task got only capturedEnv and `env`, not the daemon's environment"),
    capturedEnvCount: z
      .number()
      .int()
      .optional()
      .describe(
        "number of variables in the caller's environment captured at run (present when one was); task/get names them",
      ),
    umask: z.string().optional().describe("umask given at run, octal digits (absent: the daemon's)"),
    tty: z
      .literal(true)
      .optional()
      .describe('present when the command runs under a pseudo-terminal (task/run tty)'),
    // Agent hooks (issue 17): description, notify, trigger.
    description: z.string().optional().describe('what the task is for, in free text (task/run description)'),
    notify: z
      .literal(false)
      .optional()
      .describe(
        'present when its end is not reported to agents by hooks and notifications (task/run notify false)',
      ),
    trigger: z
      .literal(true)
      .optional()
      .describe('present when its end may continue a stopped agent through the Stop hook (task/run trigger)'),
    session: z.string().optional().describe('session of the client that started it'),
    state: TaskStateSchema(),
    reason: z.string().optional().describe('why tend ended it: user kill, timeout, spawn error…'),
    stopped: z
      .literal(true)
      .optional()
      .describe(
        "present on a live task whose processes are stopped by SIGSTOP or SIGTSTP (its wrapper's /proc state is T); a stop sends SIGCONT after SIGTERM",
      ),
    pid: z.number().int().optional().describe('pid of the task wrapper (also its process group id)'),
    pgid: z.number().int().optional().describe('process group id of the task (equal to pid)'),
    containment: TaskContainmentSchema()
      .optional()
      .describe(
        'how its processes are contained: "cgroup" (its own cgroup v2; no descendant can leave it), "marker" ' +
          '(process group plus every process carrying TEND_TASK_ID=<id>), "group" (started by a daemon ' +
          'before containment; handled as marker, its processes carry the marker too); older daemons do not send it',
      ),
    cgroup: z.string().optional().describe('absolute path of its cgroup v2 directory (containment "cgroup")'),
    exitCode: z.number().int().optional().describe('exit status when the command exited'),
    signal: SignalNameSchema().optional().describe('signal that ended the command'),
    leftovers: z
      .object({
        count: z
          .number()
          .int()
          .describe(
            "processes of the task still alive when its main command ended (the command's status stands)",
          ),
        running: z
          .boolean()
          .describe('true while some of them still run (task/kill ends them); false once none is left'),
      })
      .optional()
      .describe(
        'present on an ended task when processes it started outlived its main command (e.g. `sleep 100 & exit 0`)',
      ),
    createdAt: z.string().describe('ISO 8601 UTC time the task was created'),
    startedAt: z.string().optional().describe('ISO 8601 UTC time its process started'),
    endedAt: z.string().optional().describe('ISO 8601 UTC time it ended'),
    durationMs: z.number().int().optional().describe('run time so far, or total once ended'),
    timeoutMs: z.number().int().optional().describe('timeout given at run, in ms'),
    // Lifetime policies (issue 12): lifetime, ttlMs, expiresAt.
    lifetime: z
      .literal('session')
      .optional()
      .describe(
        'present when the task is stopped once no client of its session has been connected for sessionGraceMs ' +
          '(task/run lifetime "session"); absent: persistent',
      ),
    ttlMs: z.number().int().optional().describe('time to live given at run, in ms (task/run ttlMs)'),
    expiresAt: z
      .string()
      .optional()
      .describe('ISO 8601 UTC time at which its time to live expires and tend stops it (startedAt + ttlMs)'),
    outputBytes: z.number().int().describe('bytes written to output.log so far (offsets run up to this)'),
    droppedBytes: z
      .number()
      .int()
      .optional()
      .describe(
        'bytes at the head of the log dropped to keep it under its output cap (offsets below are gone)',
      ),
    outputCapBytes: z.number().int().optional().describe('most disk output.log may use, in bytes'),
    logPath: z.string().describe('absolute path of output.log'),
    memoryMaxBytes: z
      .number()
      .int()
      .optional()
      .describe('memory.max of its cgroup given at run, in bytes (task/run memoryMaxBytes)'),
    pidsMax: z.number().int().optional().describe('pids.max of its cgroup given at run (task/run pidsMax)'),
    // Restart policies (issue 14): restarts, restart, restartAt.
    restarts: z
      .number()
      .int()
      .default(0)
      .describe(
        'runs after the first: restarts by its policy and by task/restart (0 for a task that ran once)',
      ),
    restart: RestartPolicySchema()
      .optional()
      .describe(
        'its restart policy with every default filled in (absent: none, it never restarts by itself)',
      ),
    restartAt: z
      .string()
      .optional()
      .describe('ISO 8601 UTC time of its next run, while it is restarting (its backoff)'),
  }),
);
export type Task = z.infer<ReturnType<typeof TaskSchema>>;
