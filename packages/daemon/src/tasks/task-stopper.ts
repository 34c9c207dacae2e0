import { isTerminal, TERMINATING_SIGNALS, type SignalName, type Task } from '@tend/protocol';
import { TendDaemonError } from '../errors.js';
import type { StopCause, TaskRow } from '../store/task-store.js';
import { resolveTask } from './ids.js';
import { LeftoverWatch } from './leftovers.js';
import type { TaskContext } from './task-events.js';
import prettyMs from 'pretty-ms';
import { findTaskProcesses, signalTask } from './task-signal.js';
import { TaskTimers } from './task-timers.js';
import { toTask } from './task-view.js';

/** A task younger than this (ms since start) may not have exec'd its command yet. */
const YOUNG_TASK_MS = 1_000;
/** When a stop signal is sent again to a young task, in ms after the first. */
const REDELIVERY_DELAYS_MS = [50, 200, 600];

/** What the rounds of one stop signalled, while someone waits for its proof (see {@link TaskStopper.startTally}). */
interface StopTally {
  /** Distinct pids that were the task's processes when a round reached at least one process. */
  pids: Set<number>;
  /** Most processes one round reported signalled (signalTask's `sent`). */
  maxSent: number;
  /** Requests waiting for this proof (two task/kill of one task share it). */
  users: number;
}

/**
 * Stops tasks (docs/design.md, "Signals reach only the task"): the intent (`stopping`,
 * cause, reason, SIGKILL time) is committed before any signal, the whole
 * process group is signalled — only the processes provably the task's (see
 * signalTask) — then SIGCONT, so that a stopped (SIGSTOP'd) task can act on the
 * signal within the grace period, and SIGKILL follows after the grace period.
 * Timeouts start a stop through the same path. Deadlines live in the row, so a
 * new daemon re-arms them. An ended task whose leftovers still run is stopped
 * through its {@link LeftoverWatch}.
 */
export class TaskStopper {
  readonly timers: TaskTimers;
  /** Leftovers of ended tasks (processes that outlived the main command). */
  readonly leftovers: LeftoverWatch;
  /** Live tasks whose group this daemon has sent SIGKILL (forgotten when they end). */
  private readonly sigkilled = new Set<string>();
  /** Stops whose proof someone waits for, by task id. */
  private readonly tallies = new Map<string, StopTally>();
  /** Ends a `restarting` task whose stop was recorded (set by the TaskEnder: it has no process to wait for). */
  endRestarting: (id: string) => void = () => {};
  /** Starts the next run of a `restarting` task whose backoff ended (set by the supervisor). */
  startNextRun: (id: string) => void = () => {};

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
      onRestart: (id) => this.startNextRun(id),
    });
    this.leftovers = new LeftoverWatch(deps);
    deps.events.on('change', (task) => {
      if (isTerminal(task.state)) this.sigkilled.delete(task.id);
    });
  }

  /**
   * task/kill: signals the task's process group. A terminating signal records the intent
   * first (`stopping`, cause and reason committed before any signal), then
   * escalates to SIGKILL after `graceMs`. On an ended task whose leftovers still run,
   * a terminating signal ends them ({@link LeftoverWatch.stop}); the task's state stays.
   * @throws TendDaemonError task_not_found, ambiguous_id, not_running (already ended, and no
   *   leftovers running or a signal that does not terminate)
   */
  kill(ref: string, signal: SignalName, graceMs: number, cause: StopCause = 'user'): Task {
    const { store } = this.deps;
    const row = resolveTask(store, ref);
    const terminating = (TERMINATING_SIGNALS as readonly string[]).includes(signal);
    if (isTerminal(row.state) && terminating && row.leftoversRunning === true) {
      this.deps.logger.info({ task: row.id, signal }, 'stopping the leftovers of an ended task');
      this.leftovers.stop(row, signal, graceMs, (r, s) => this.signalGroup(r, s));
      return toTask(store.get(row.id) ?? row);
    }
    if (isTerminal(row.state)) {
      throw new TendDaemonError('not_running', `task ${row.id} has already ended (${row.state})`, {
        id: row.id,
        state: row.state,
      });
    }
    if (terminating) this.stop(row, signal, graceMs, cause);
    else this.signalGroup(row, signal);
    return toTask(store.get(row.id) ?? row);
  }

  /**
   * Records the stop intent (unless already stopping), signals the group, schedules SIGKILL.
   * @param reason the task's reason; default one saying the cause (see stopReason).
   */
  stop(row: TaskRow, signal: SignalName, graceMs: number, cause: StopCause, reason?: string): void {
    const { store } = this.deps;
    const wasRestarting = row.state === 'restarting';
    if (row.state !== 'stopping') {
      const killAt = signal === 'SIGKILL' || wasRestarting ? undefined : Date.now() + graceMs;
      store.update(row.id, {
        state: 'stopping',
        stopCause: cause,
        reason: reason ?? stopReason(row, cause, signal),
        killAt,
      });
      row = store.get(row.id) ?? row;
      this.deps.events.changed(row.id);
      this.timers.schedule(row);
      // Restarting: its run has ended and nothing runs; the stop ends it now and no next run follows.
      if (wasRestarting) {
        this.timers.clear(row.id);
        this.endRestarting(row.id);
        return;
      }
    }
    this.signalGroup(row, signal);
    // A stopped (SIGSTOP'd) process keeps the signal pending until it runs again (systemd.kill(5):
    // SIGCONT "so that suspended processes get a chance to terminate").
    if (signal !== 'SIGKILL') this.signalGroup(row, 'SIGCONT');
    if (row.startedAt !== undefined && Date.now() - row.startedAt < YOUNG_TASK_MS)
      this.redeliver(row.id, signal);
  }

  /**
   * Starts counting what the stop of task `id` signals (for task/kill's `stop.signalled`); each
   * round then costs one more pass over /proc. {@link endTally} returns the count and stops it.
   */
  startTally(id: string): void {
    const tally = this.tallies.get(id);
    if (tally) tally.users++;
    else this.tallies.set(id, { pids: new Set(), maxSent: 0, users: 1 });
  }

  /** Processes the stop of task `id` signalled since {@link startTally}: distinct pids, at least the largest round. */
  endTally(id: string): number {
    const tally = this.tallies.get(id);
    if (!tally) return 0;
    if (--tally.users === 0) this.tallies.delete(id);
    return Math.max(tally.pids.size, tally.maxSent);
  }

  /** SIGKILL to what is left of a task at its end (a stopped task's, or with killLeftovers; TaskEnder.finish); logged only when it reached something. */
  sweep(row: TaskRow): void {
    const tally = this.tallies.get(row.id);
    const before = tally ? findTaskProcesses(row).members : [];
    const outcome = signalTask(row, 'SIGKILL');
    if (tally) this.count(tally, before, outcome.sent);
    if (outcome.sent > 0)
      this.deps.logger.info({ task: row.id, ...outcome }, 'killed what was left of the task at its end');
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
    const tally = this.tallies.get(row.id);
    const before = tally ? findTaskProcesses(row).members : [];
    const outcome = signalTask(row, signal);
    if (tally) this.count(tally, before, outcome.sent);
    const sent = outcome.sent > 0;
    if (sent && signal === 'SIGKILL') this.sigkilled.add(row.id);
    this.deps.logger.info({ task: row.id, pgid: row.pgid, signal, ...outcome }, 'signalled task');
    return sent;
  }

  private count(tally: StopTally, members: readonly { pid: number }[], sent: number): void {
    if (sent === 0) return;
    for (const p of members) tally.pids.add(p.pid);
    tally.maxSent = Math.max(tally.maxSent, sent);
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
    if (row && !isTerminal(row.state) && row.state !== 'stopping' && row.state !== 'restarting')
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
      return `stopped: its TTL of ${prettyMs(row.ttlMs ?? 0)} expired`;
    case 'session':
      return `stopped: no client of session ${row.session} connected`;
    case 'restart':
      return `stopped by task/restart (${signal}); its next run follows`;
    default:
      return `killed by user (${signal})`;
  }
}
