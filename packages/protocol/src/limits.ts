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

/** Smallest `maxBytes` of a model-sized read, in bytes. */
export const MIN_MAX_BYTES = 256;

/** Most bytes of new output that `grep` or `clean` process in one read (16 MiB); older bytes count as omitted. */
export const MAX_FILTERED_BYTES = 16 * 1024 * 1024;

/** Task names: start with a letter or digit, then letters, digits, `.`, `_`, `-`; at most 64 chars. */
export const TASK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Smallest output cap accepted, in bytes (64 KiB). */
export const MIN_OUTPUT_CAP_BYTES = 64 * 1024;

/** Longest timeout accepted: 30 days, in ms. */
export const MAX_TIMEOUT_MS = 30 * 24 * 3600 * 1000;
