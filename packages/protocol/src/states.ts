// Task states as plain values (no zod), shared by the schemas and by fast-starting clients.

/**
 * Task lifecycle (docs/design.md, "Task states"):
 * `starting → running → stopping → succeeded | failed | killed | timed_out | lost`.
 */
export const TASK_STATES = [
  'starting',
  'running',
  'stopping',
  'succeeded',
  'failed',
  'killed',
  'timed_out',
  'lost',
] as const;
/** One of {@link TASK_STATES}. */
export type TaskState = (typeof TASK_STATES)[number];

/** States of a task whose process may still be alive. */
export const LIVE_STATES: readonly TaskState[] = ['starting', 'running', 'stopping'];
/** States of a task that has ended; they never change again. */
export const TERMINAL_STATES: readonly TaskState[] = ['succeeded', 'failed', 'killed', 'timed_out', 'lost'];

/** True when a task in `state` has ended. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.includes(state);
}
