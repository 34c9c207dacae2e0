// Limits and defaults of the protocol, as plain values: no zod here, so that
// clients that must start fast can import them (see wire.ts).

/** Most completions one `task/completions` call returns. */
export const MAX_COMPLETIONS_LIMIT = 500;

/**
 * The one default grace between SIGTERM and SIGKILL, in ms, as `docker stop`'s 10 s:
 * `tend stop`, `task/kill`, `daemon/shutdown`, task timeouts (config `killGraceMs`) and MCP `stop_task`.
 */
export const DEFAULT_KILL_GRACE_MS = 10_000;

/** Longest grace between SIGTERM and SIGKILL that config and requests accept, in ms (5 min). */
export const MAX_KILL_GRACE_MS = 300_000;

/** Signals that mean "end the task": they move it to `stopping` and escalate to SIGKILL. */
export const TERMINATING_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGKILL'] as const;

/** Largest page `task/list` returns. */
export const MAX_LIST_LIMIT = 1000;

/** Largest `limit` of one `task/output` read, in bytes (1 MiB). */
export const MAX_OUTPUT_LIMIT = 1024 * 1024;

/** Default `limit` of one read, in bytes (64 KiB). */
export const DEFAULT_OUTPUT_LIMIT = 64 * 1024;

/** Largest `waitMs` of a long-polling read, in ms (60 s). */
export const MAX_OUTPUT_WAIT_MS = 60_000;

/**
 * The `waitMs` a follower asks each long-polling `task/output` read for, in ms (25 s): `tend logs -f`
 * and TendClient's follow. The daemon answers as soon as output comes; the bound only makes a
 * follower ask again now and then. Under {@link MAX_OUTPUT_WAIT_MS}.
 */
export const FOLLOW_WAIT_MS = 25_000;

/** Longest task reference (id, id prefix or name) a request accepts, in characters. */
export const MAX_TASK_REF_CHARS = 200;

/** Longest session name (daemon/initialize, task/list, task/completions), in characters. */
export const MAX_SESSION_CHARS = 200;

/** Longest grep pattern of `task/output`, in characters. */
export const MAX_PATTERN_CHARS = 1000;

/** Most lines of context `task/output`'s grep keeps before and after each match. */
export const MAX_GREP_CONTEXT = 50;

/**
 * Longest delay Node's setTimeout honours, in ms (2^31 - 1, about 24.8 days; a longer one fires at
 * once, Node's timers docs). Timers of a task (`timeoutMs` up to {@link MAX_TIMEOUT_MS}, `task/wait`'s
 * `timeoutMs`) are clamped or re-armed at it.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Smallest `maxBytes` of a model-sized read, in bytes. */
export const MIN_MAX_BYTES = 256;

/** Most bytes of new output that `grep` or `clean` process in one read (16 MiB); older bytes count as omitted. */
export const MAX_FILTERED_BYTES = 16 * 1024 * 1024;

/** Task names: start with a letter or digit, then letters, digits, `.`, `_`, `-`; at most 64 chars. */
export const TASK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Smallest output cap accepted, in bytes (64 KiB). */
export const MIN_OUTPUT_CAP_BYTES = 64 * 1024;

/**
 * Smallest task/run memoryMaxBytes accepted: 1 MiB. Below it even the task's shell would be
 * OOM-killed at once; the kernel itself accepts any value (memory.max, cgroup-v2.rst).
 */
export const MIN_MEMORY_MAX_BYTES = 1024 * 1024;

/**
 * Largest task/run pidsMax accepted: 4194304 (2^22), PID_MAX_LIMIT on 64-bit Linux, the most
 * pids a system can have (proc(5), /proc/sys/kernel/pid_max).
 */
export const MAX_PIDS_MAX = 4_194_304;

/** Longest timeout accepted: 30 days, in ms. */
export const MAX_TIMEOUT_MS = 30 * 24 * 3600 * 1000;

/**
 * Longest `command` of `task/run`, in UTF-8 bytes (131,071): Linux's
 * MAX_ARG_STRLEN (32 pages = 128 KiB, including the terminating NUL) is the
 * most one argument of execve may hold; the command is one argument of the shell.
 */
export const MAX_COMMAND_BYTES = 131_071;

/** Longest `KEY=value` of one env variable, in UTF-8 bytes: MAX_ARG_STRLEN applies to each one too (131,071). */
export const MAX_ENV_ENTRY_BYTES = 131_071;

/** Most variables in one `env` (4096; a shell environment holds about 50–200). */
export const MAX_ENV_VARS = 4096;

/**
 * Most bytes of `command` plus every `KEY=value` of `env`, each counted with its
 * terminating NUL (1 MiB): half of Linux's ARG_MAX (2 MiB with the default
 * 8 MiB stack, execve(2)), leaving the other half to the daemon's environment
 * (with inheritEnv) and the wrapper's arguments, so that a request that passes
 * validation can be executed.
 */
export const MAX_COMMAND_ENV_BYTES = 1024 * 1024;

/** Longest path accepted (`cwd`, filters), in UTF-8 bytes: Linux's PATH_MAX (4096, including the NUL). */
export const MAX_PATH_BYTES = 4095;

/** Deepest nesting of objects and arrays in a request's params (32; tend's own go 3 deep). */
export const MAX_PARAMS_DEPTH = 32;

/** Most live tasks (starting, running, stopping) the daemon keeps at once by default; config `maxLiveTasks`. */
export const DEFAULT_MAX_LIVE_TASKS = 128;

/** Longest task/run `description`, in characters (UTF-16 code units): a sentence or two of what the task is for. */
export const MAX_DESCRIPTION_CHARS = 500;

/** The project file `tend up` looks for, walking up from the current directory (docs/tend-toml.md). */
export const PROJECT_FILE_NAME = 'tend.toml';
