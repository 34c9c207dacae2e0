import {
  DEFAULT_MAX_RESTARTS,
  DEFAULT_RESTART_BACKOFF_MAX_MS,
  DEFAULT_RESTART_BACKOFF_MS,
  DEFAULT_RESTART_WINDOW_MS,
  type RestartPolicy,
  type TaskState,
} from '@tend/protocol';
import prettyMs from 'pretty-ms';
import type { TaskRow } from '../store/task-store.js';

/** A restart policy with every default filled in, as stored in the row (TaskRow `restart`). */
export type ResolvedRestartPolicy = Required<RestartPolicy>;

/**
 * `policy` with the defaults of docs/protocol.md ("Restart policies"): 5 restarts in 60 s, a first backoff of
 * 500 ms doubled up to 30 s. undefined for no policy or `no` (nothing to store).
 */
export function resolveRestartPolicy(policy: RestartPolicy | undefined): ResolvedRestartPolicy | undefined {
  if (policy === undefined || policy.policy === 'no') return undefined;
  return {
    policy: policy.policy,
    maxRestarts: policy.maxRestarts ?? DEFAULT_MAX_RESTARTS,
    windowMs: policy.windowMs ?? DEFAULT_RESTART_WINDOW_MS,
    backoffMs: policy.backoffMs ?? DEFAULT_RESTART_BACKOFF_MS,
    backoffMaxMs: policy.backoffMaxMs ?? DEFAULT_RESTART_BACKOFF_MAX_MS,
  };
}

/** What ends a run: start the next after `restartAt` (with `restartTimes` to store), or give up with `reason`. */
export type RestartDecision =
  | { kind: 'restart'; restartAt: number; restartTimes: number[] }
  | { kind: 'give-up'; reason: string };

/**
 * What the end of task `row`'s run (which would end it in `state`, at `endedAt` ms since epoch) leads to:
 * undefined when the task ends (no policy, the policy does not apply to `state`, or a stop by a user, a
 * lifetime end or a shutdown); `restart` after a backoff of `backoffMs` × 2^(restarts still in the window),
 * at most `backoffMaxMs` (a task/restart stop restarts at once, outside the policy's count); `give-up` when
 * `maxRestarts` restarts already happened within `windowMs` (the task then ends `failed` with the reason).
 */
export function decideRestart(
  row: Pick<TaskRow, 'restart' | 'restartTimes' | 'stopCause' | 'state'>,
  state: TaskState,
  endedAt: number,
): RestartDecision | undefined {
  const stopped = row.state === 'stopping' ? row.stopCause : undefined;
  if (stopped === 'restart')
    return { kind: 'restart', restartAt: endedAt, restartTimes: row.restartTimes ?? [] };
  const policy = row.restart;
  if (policy === undefined || (stopped !== undefined && stopped !== 'timeout')) return undefined;
  const applies =
    state === 'failed' || state === 'timed_out' || (policy.policy === 'always' && state === 'succeeded');
  if (!applies) return undefined;
  const recent = (row.restartTimes ?? []).filter((at) => at > endedAt - policy.windowMs);
  if (recent.length >= policy.maxRestarts) {
    return {
      kind: 'give-up',
      reason: `restart limit reached: ${recent.length} restarts in ${prettyMs(policy.windowMs)} (${state} again)`,
    };
  }
  const delay = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** Math.min(recent.length, 30));
  return { kind: 'restart', restartAt: endedAt + delay, restartTimes: [...recent, endedAt] };
}
