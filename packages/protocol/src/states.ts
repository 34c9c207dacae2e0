// Task states as plain values (no zod), shared by the schemas and by fast-starting clients.

/**
 * Task lifecycle (docs/design.md, "Task states"):
 * `starting → running → stopping → succeeded | failed | killed | timed_out | lost`; a task with a restart
 * policy whose run ended goes `running → restarting → starting` for its next run (same id, `restarts` + 1).
 */
export const TASK_STATES = [
  'starting',
  'running',
  'stopping',
  'restarting',
  'succeeded',
  'failed',
  'killed',
  'timed_out',
  'lost',
] as const;
/** One of {@link TASK_STATES}. */
export type TaskState = (typeof TASK_STATES)[number];

/**
 * States of a task that is not over: its process may still be alive, or (`restarting`) its run ended and its
 * restart policy will start the next one after a backoff. Live tasks hold their name and count against
 * `maxLiveTasks`.
 */
export const LIVE_STATES: readonly TaskState[] = ['starting', 'running', 'stopping', 'restarting'];
/** States of a task that has ended; they never change again. */
export const TERMINAL_STATES: readonly TaskState[] = ['succeeded', 'failed', 'killed', 'timed_out', 'lost'];

/** True when a task in `state` has ended. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.includes(state);
}
