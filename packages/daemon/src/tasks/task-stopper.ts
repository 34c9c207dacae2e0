import { isTerminal, TERMINATING_SIGNALS, type SignalName, type Task } from '@tend/protocol';
import { TendDaemonError } from '../errors.js';
import type { StopCause, TaskRow } from '../store/task-store.js';
import { resolveTask } from './ids.js';
import type { TaskContext } from './task-events.js';
import { formatSpan } from './span.js';
import { signalTask } from './task-signal.js';
import { TaskTimers } from './task-timers.js';
import { toTask } from './task-view.js';

/** A task younger than this (ms since start) may not have exec'd its command yet. */
const YOUNG_TASK_MS = 1_000;
/** When a stop signal is sent again to a young task, in ms after the first. */
const REDELIVERY_DELAYS_MS = [50, 200, 600];

/**
 * Stops tasks (docs/design.md, "Signals reach only the task"): the intent (`stopping`,
 * cause, reason, SIGKILL time) is committed before any signal, the whole
 * process group is signalled — only the processes provably the task's (see
 * signalTask) — and SIGKILL follows after the grace period. Timeouts start
 * a stop through the same path. Deadlines live in the row, so a new daemon
 * re-arms them.
 */
export class TaskStopper {
  readonly timers: TaskTimers;
  /** Live tasks whose group this daemon has sent SIGKILL (forgotten when they end). */
  private readonly sigkilled = new Set<string>();

  constructor(
    private readonly deps: TaskContext & {
      /** Grace between SIGTERM and SIGKILL for timeouts, in ms. */
      graceMs: number;
    },
  ) {
    this.timers = new TaskTimers({
      onDeadline: (id) => this.stopForTimeout(id),
      onEscalate: (id) => this.escalate(id),
      onExpire: (id) => this.stopForTtl(id),
    });
    deps.events.on('change', (task) => {
      if (isTerminal(task.state)) this.sigkilled.delete(task.id);
    });
  }

  /**
   * task/kill: signals the task's process group. A terminating signal records the intent
   * first (`stopping`, cause and reason committed before any signal), then
   * escalates to SIGKILL after `graceMs`.
   * @throws TendDaemonError task_not_found, ambiguous_id, not_running (already ended)
   */
  kill(ref: string, signal: SignalName, graceMs: number, cause: StopCause = 'user'): Task {
    const { store } = this.deps;
    const row = resolveTask(store, ref);
    if (isTerminal(row.state)) {
      throw new TendDaemonError('not_running', `task ${row.id} has already ended (${row.state})`, {
        id: row.id,
        state: row.state,
      });
    }
    if ((TERMINATING_SIGNALS as readonly string[]).includes(signal)) this.stop(row, signal, graceMs, cause);
    else this.signalGroup(row, signal);
    return toTask(store.get(row.id) ?? row);
  }

  /**
   * Records the stop intent (unless already stopping), signals the group, schedules SIGKILL.
   * @param reason the task's reason; default one saying the cause (see stopReason).
   */
  stop(row: TaskRow, signal: SignalName, graceMs: number, cause: StopCause, reason?: string): void {
    const { store } = this.deps;
    if (row.state !== 'stopping') {
      const killAt = signal === 'SIGKILL' ? undefined : Date.now() + graceMs;
      store.update(row.id, {
        state: 'stopping',
        stopCause: cause,
        reason: reason ?? stopReason(row, cause, signal),
        killAt,
      });
      row = store.get(row.id) ?? row;
      this.deps.events.changed(row.id);
      this.timers.schedule(row);
    }
    this.signalGroup(row, signal);
    if (row.startedAt !== undefined && Date.now() - row.startedAt < YOUNG_TASK_MS)
      this.redeliver(row.id, signal);
  }

  /**
   * Sends `signal` to the task's processes through {@link signalTask}: only
   * those provably the task's (same boot, started no earlier than the task,
   * tied to it by its live wrapper and group, its TEND_TASK_ID marker — also
   * outside the group, then of the daemon's user only — or a member parent),
   * so a reused pid is never signalled, nor pid ≤ 1.
   * @returns whether at least one process was signalled.
   */
  signalGroup(row: TaskRow, signal: SignalName): boolean {
    const outcome = signalTask(row, signal);
    const sent = outcome.sent > 0;
    if (sent && signal === 'SIGKILL') this.sigkilled.add(row.id);
    this.deps.logger.info({ task: row.id, pgid: row.pgid, signal, ...outcome }, 'signalled task');
    return sent;
  }

  /** Whether this daemon sent SIGKILL to live task `id`'s group (and at least one process got it). */
  sentSigkill(id: string): boolean {
    return this.sigkilled.has(id);
  }

  /**
   * Re-sends a stop signal to a task that just started. Until the wrapper's
   * child has exec'd the command, it still runs the wrapper's trap handler, and
   * a signal it receives then is consumed there instead of reaching the command.
   */
  private redeliver(id: string, signal: SignalName): void {
    for (const delay of REDELIVERY_DELAYS_MS) {
      setTimeout(() => {
        const row = this.deps.store.get(id);
        if (row?.state === 'stopping') this.signalGroup(row, signal);
      }, delay).unref();
    }
  }

  private stopForTimeout(id: string): void {
    const row = this.deps.store.get(id);
    if (row && !isTerminal(row.state) && row.state !== 'stopping')
      this.stop(row, 'SIGTERM', this.deps.graceMs, 'timeout');
  }

  /** The TTL of task `id` expired: stop it (cause `ttl`, so it ends killed; see end-state.ts). */
  private stopForTtl(id: string): void {
    const row = this.deps.store.get(id);
    if (row && !isTerminal(row.state) && row.state !== 'stopping')
      this.stop(row, 'SIGTERM', this.deps.graceMs, 'ttl');
  }

  private escalate(id: string): void {
    const row = this.deps.store.get(id);
    if (!row || isTerminal(row.state)) return;
    this.deps.store.update(id, { killAt: undefined });
    this.signalGroup(row, 'SIGKILL');
  }
}

function stopReason(row: TaskRow, cause: StopCause, signal: SignalName): string {
  switch (cause) {
    case 'timeout':
      return `timed out after ${row.timeoutMs} ms`;
    case 'shutdown':
      return 'stopped by daemon shutdown';
    case 'remove':
      return 'killed by forced remove';
    case 'ttl':
      return `stopped: its TTL of ${formatSpan(row.ttlMs ?? 0)} expired`;
    case 'session':
      return `stopped: no client of session ${row.session} connected`;
    default:
      return `killed by user (${signal})`;
  }
}
