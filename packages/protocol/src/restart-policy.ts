// Restart policies of task/run as plain values (no zod), shared by the schemas and by fast-starting clients.

/**
 * Restart policies (task/run `restart.policy`; docs/protocol.md, "Restart policies"), docker's names:
 * `no` never restarts; `on-failure` restarts a run that ended `failed` (non-zero exit status, or a signal tend
 * did not send) or `timed_out`; `always` also restarts one that `succeeded`. None restarts after a stop or kill
 * by a user, a lifetime end (session, TTL) or a `lost` end.
 */
export const RESTART_POLICIES = ['no', 'on-failure', 'always'] as const;
/** One of {@link RESTART_POLICIES}. */
export type RestartPolicyName = (typeof RESTART_POLICIES)[number];

/** Default `maxRestarts`: give up after this many restarts within `windowMs` (pm2's and systemd's order of size). */
export const DEFAULT_MAX_RESTARTS = 5;
/** Default `windowMs`: the window in which restarts count towards `maxRestarts`, in ms. */
export const DEFAULT_RESTART_WINDOW_MS = 60_000;
/** Default `backoffMs`: delay before the first restart, doubled for each restart still in the window, in ms. */
export const DEFAULT_RESTART_BACKOFF_MS = 500;
/** Default `backoffMaxMs`: the longest delay between a run's end and the next run, in ms. */
export const DEFAULT_RESTART_BACKOFF_MAX_MS = 30_000;
/** Most `maxRestarts` accepted. */
export const MAX_MAX_RESTARTS = 1_000_000;
