import { type Completion, isTerminal, MAX_TIMER_DELAY_MS, type Task } from '@tend/protocol';
import type { CompletionStore } from '../store/completion-store.js';
import type { TaskRow } from '../store/task-store.js';
import { completionOf } from './completion-record.js';
import { endState, type TaskEnd } from './end-state.js';
import { readExitRecord } from './exit-record.js';
import { resolveTask } from './ids.js';
import { lastLines } from './last-lines.js';
import { taskLeftovers } from './leftovers.js';
import { PendingEnds } from './pending-ends.js';
import { decideRestart, type RestartDecision } from './restart-policy.js';
import type { TaskContext } from './task-events.js';
import { taskFiles } from './task-folder.js';
import { oomEndReason } from './task-limits.js';
import type { TaskStopper } from './task-stopper.js';
import { fileSize, toTask } from './task-view.js';

/** Processes of a task alive when its main command ended (TaskRow `leftoverCount`, `leftoversRunning`). */
interface Leftovers {
  count: number;
  running: boolean;
}

/** How a {@link TaskEnder.wait} ended: the task ended, or the wait timed out (or was aborted). */
export interface WaitOutcome {
  outcome: 'exited' | 'timeout';
  task: Task;
}

/**
 * Ends tasks (docs/design.md, "Task states"): writes the terminal state and the
 * completion record (the inbox entry, with the last lines of output) in one
 * transaction, then wakes the task's waiters and emits `change` and `exit`.
 * With the disk full the end is kept in memory ({@link PendingEnds}) and
 * written as soon as there is room. It asks the stopper whether a stop sent
 * SIGKILL; the stopper never calls back.
 */
export class TaskEnder {
  /** Task ends not yet written because the disk was full. */
  readonly pendingEnds: PendingEnds;
  private readonly endWaiters = new Map<string, Set<(task: Task) => void>>();
  /**
   * Ends written and announced (`change`) whose leftover scan, `exit` event and waiters wait for
   * {@link flushEnds}, by task id: the ends of one turn of the event loop share one pass over /proc.
   */
  private readonly queuedEnds = new Map<string, { completion: Completion; task: Task }>();
  private flushTimer: NodeJS.Immediate | undefined;
  /** When the last {@link flushEnds} that scanned ended (performance.now(), ms), and how long it took (ms). */
  private lastFlush = { endedAt: Number.NEGATIVE_INFINITY, ms: 0 };

  constructor(
    readonly context: TaskContext,
    private readonly stopper: TaskStopper,
    private readonly completions: CompletionStore,
  ) {
    this.pendingEnds = new PendingEnds(context.logger);
    // A stop of a `restarting` task (no process to signal) ends it at once.
    stopper.endRestarting = (id) => this.finish(id, { endedAt: Date.now() });
  }

  /**
   * Ends task `id` with `end` (no-op when it has already ended); resolves its
   * waiters. A stopped task's leftovers (grandchildren that outlived the
   * wrapper) are SIGKILLed with it — only those provably the task's
   * (signalTask), never a process that took over its pid or group id. A task
   * that ended by itself keeps the processes that outlived its command (its
   * leftovers): the row records how many, and they are watched until none is
   * left ({@link LeftoverWatch}) — or, with `killLeftovers`, SIGKILLed at once.
   * When the disk is full the end is kept in memory and written, with its
   * waiters and events, as soon as there is room; until then the task reads as it was.
   */
  finish(id: string, end: TaskEnd): void {
    if (this.pendingEnds.has(id)) return;
    const row = this.context.store.get(id);
    // A `restarting` task's run has already ended (its next one is not started yet).
    if (!row || isTerminal(row.state) || row.state === 'restarting') return;
    // Wrapper gone without a record right after tend SIGKILLed its group: that was the end.
    if (end.lostReason !== undefined && row.state === 'stopping' && this.stopper.sentSigkill(id)) {
      end = { signal: 'SIGKILL', endedAt: end.endedAt };
    }
    this.stopper.timers.clear(id);
    const final = end;
    // The restart policy (restart-policy.ts): the run's end may start the next run instead of ending the task.
    const decision = decideRestart(
      row,
      oomEndReason(row, end) !== undefined ? 'failed' : endState(row, end),
      end.endedAt,
    );
    if (decision?.kind === 'restart') {
      // The next run starts clean, as systemd restarts a unit: what is left of this one is SIGKILLed.
      this.stopper.sweep(row);
      this.pendingEnds.attempt(id, () => this.commitRestarting(id, final, decision));
      return;
    }
    const stopping = row.state === 'stopping';
    if (stopping) this.stopper.sweep(row);
    // With the disk full the write is kept and retried; waiters and events follow it.
    const giveUp = decision?.reason;
    this.pendingEnds.attempt(id, () => this.commitEnd(id, final, !stopping, giveUp));
  }

  /**
   * Writes the end of task `id`'s run as `restarting` (no completion: the task has not ended, and its
   * waiters keep waiting), with the time of its next run, and arms the timer that starts it.
   */
  private commitRestarting(
    id: string,
    end: TaskEnd,
    decision: Extract<RestartDecision, { kind: 'restart' }>,
  ) {
    const { store, events, logger } = this.context;
    const row = store.get(id);
    if (!row || isTerminal(row.state) || row.state === 'restarting') return;
    const restartAt = Math.max(decision.restartAt, Date.now());
    store.update(id, {
      state: 'restarting',
      exitCode: end.exitCode,
      signal: end.signal,
      endedAt: end.endedAt,
      killAt: undefined,
      deadlineAt: undefined,
      stopCause: undefined,
      reason: runEndReason(row, end),
      restartAt,
      restartTimes: decision.restartTimes,
      outputBytes: fileSize(row.logPath),
    });
    logger.info(
      { task: id, exitCode: end.exitCode, signal: end.signal, restartAt, restarts: row.restarts ?? 0 },
      'task run ended; restarting',
    );
    events.changed(id);
    this.stopper.timers.schedule(store.get(id) as TaskRow);
  }

  /**
   * Records the leftovers of ended task `id` (`leftoverCount`, `leftoversRunning`), watches them while
   * they run, and emits `change`; returns the task as changed, or undefined when there were none (or
   * the row could not be written: the disk full, only logged).
   */
  private recordLeftovers(id: string): Task | undefined {
    const { store, events, logger } = this.context;
    const row = store.get(id);
    if (!row) return undefined;
    const leftovers = this.leftoversAtEnd(row);
    if (!leftovers) return undefined;
    try {
      store.update(id, { leftoverCount: leftovers.count, leftoversRunning: leftovers.running });
    } catch (error) {
      logger.warn({ task: id, err: error }, 'could not record the leftovers of the task');
      return undefined;
    }
    if (leftovers.running) this.stopper.leftovers.watch(store.get(id) as TaskRow);
    return events.changed(id);
  }

  /** The leftovers of task `row`, whose command ended by itself: SIGKILLed at once with `killLeftovers`. */
  private leftoversAtEnd(row: TaskRow): Leftovers | undefined {
    const count = taskLeftovers(row).length;
    if (count === 0) return undefined;
    const kill = row.killLeftovers === true;
    this.context.logger.info(
      { task: row.id, leftovers: count, kill },
      'processes of the task outlived its command',
    );
    if (kill) this.stopper.sweep(row);
    return { count, running: !kill };
  }

  /** Ends task `id` from its exit record if there is one; returns whether it did. */
  finishFromRecord(id: string): boolean {
    const record = readExitRecord(taskFiles(this.context.tasksDir, id).exitPath);
    if (!record) return false;
    this.finish(id, {
      ...(record.signal ? { signal: record.signal } : { exitCode: record.status }),
      endedAt: record.endedAt,
    });
    return true;
  }

  /**
   * task/wait (until exit): waits until the task ends, `timeoutMs` passes, or `abort` fires (the
   * client went away; the promise then resolves as a timeout nobody reads).
   * @throws TendDaemonError task_not_found, ambiguous_id
   */
  wait(ref: string, timeoutMs: number | undefined, abort?: AbortSignal): Promise<WaitOutcome> {
    const { store } = this.context;
    const row = resolveTask(store, ref);
    // An end whose leftovers are still to be looked for (queuedEnds) wakes its waiters once they are.
    if (isTerminal(row.state) && !this.queuedEnds.has(row.id))
      return Promise.resolve({ outcome: 'exited', task: toTask(row) });
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (outcome: 'exited' | 'timeout', task?: Task) => {
        this.endWaiters.get(row.id)?.delete(onEnd);
        if (timer) clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
        resolve({ outcome, task: task ?? toTask(store.get(row.id) ?? row) });
      };
      const onEnd = (task: Task) => done('exited', task);
      const onAbort = () => done('timeout');
      if (!this.endWaiters.has(row.id)) this.endWaiters.set(row.id, new Set());
      this.endWaiters.get(row.id)?.add(onEnd);
      if (timeoutMs !== undefined)
        timer = setTimeout(() => done('timeout'), Math.min(timeoutMs, MAX_TIMER_DELAY_MS));
      abort?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Writes task `id`'s end and completion in one transaction and emits `change` (task/didChange goes out
   * now). When the command ended by itself (`countLeftovers`), its leftovers are then looked for and
   * recorded ({@link recordLeftovers}) before `exit` is emitted and the waiters woken, so a waiter's task
   * carries them. In marker containment that look is a pass over /proc (~5–10 ms with 300 processes,
   * 0.35–1.5 s with 1,000 live tasks under load: issue 13). An end that comes more than twice the last
   * pass's length after it is scanned at once; one that comes sooner waits for {@link flushEnds} at the
   * end of this turn of the event loop (setImmediate) or before the next request served, whichever is
   * first, and the ends that arrived in between — many, under load, since they pile up while a pass
   * runs — share one pass. The end's notification does not
   * wait for it (BENCHMARKS.md, "exit → didChange"); task/didExit and task/wait do, as before.
   * `giveUp`: the reason of a restart policy that gave up (the task ends failed).
   */
  private commitEnd(id: string, end: TaskEnd, countLeftovers: boolean, giveUp?: string): void {
    const { store, events, logger } = this.context;
    const row = store.get(id);
    if (!row || isTerminal(row.state)) return;
    // The OOM killer's SIGKILL, counted in the cgroup's memory.events, is a failure (a signal tend did not send), named as such.
    const oom = oomEndReason(row, end);
    // A restart policy that gave up ends the task failed, whatever its last run did.
    const state = giveUp !== undefined || oom !== undefined ? 'failed' : endState(row, end);
    const reason = giveUp ?? oom ?? (row.reason === undefined ? end.lostReason : undefined);
    const completion = store.transaction(() => {
      store.update(id, {
        state,
        exitCode: end.exitCode,
        signal: end.signal,
        endedAt: end.endedAt,
        killAt: undefined,
        restartAt: undefined,
        outputBytes: fileSize(row.logPath),
        ...(reason !== undefined ? { reason } : {}),
      });
      const ended = toTask(store.get(id) as TaskRow);
      const record = completionOf(ended, lastLines(row.logPath, row.droppedBytes));
      return { seq: this.completions.record(record), ...record };
    });
    const task = events.changed(id) as Task;
    // After the notification: the log line is not on the way of exit → didChange (issue 13).
    logger.info(
      { task: id, state, exitCode: end.exitCode, signal: end.signal, seq: completion.seq },
      'task ended',
    );
    if (countLeftovers && row.containment !== 'cgroup') {
      this.queuedEnds.set(id, { completion, task });
      // Ends that come apart (the last pass ended longer ago than twice its length) are scanned at once,
      // as they always were; a pass that costs more than the ends' spacing makes the next ends share one.
      const { endedAt, ms } = this.lastFlush;
      if (this.queuedEnds.size === 1 && performance.now() - endedAt >= 2 * ms) this.flushEnds();
      else this.flushTimer ??= setImmediate(() => this.flushEnds());
      return;
    }
    // A cgroup's members are read from its cgroup.procs, not from a pass over /proc: nothing to share.
    this.announceEnd(id, completion, countLeftovers ? (this.recordLeftovers(id) ?? task) : task);
  }

  /**
   * Looks for the leftovers of every end queued by {@link commitEnd}, records them, emits their `exit`
   * and wakes their waiters, all in one synchronous turn: the scans share one pass over /proc and one
   * environ read per process (turnProcReader, runtime/proc-reader.ts). Runs at the end of the turn
   * that queued them at the latest; the server calls it before each request it serves (so no request's
   * work — a task/run's spawn, ~10 ms — comes between an end and its task/didExit, which vscode-jsonrpc's
   * own setImmediate dispatch would otherwise put first), task/kill and task/remove before they act on
   * the recorded leftovers, and the daemon's shutdown, so that no end is left unannounced. Does nothing
   * when none is queued.
   */
  flushEnds(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    if (this.queuedEnds.size === 0) return;
    const ends = [...this.queuedEnds];
    this.queuedEnds.clear();
    const start = performance.now();
    for (const [id, { completion, task }] of ends)
      this.announceEnd(id, completion, this.recordLeftovers(id) ?? task);
    const now = performance.now();
    this.lastFlush = { endedAt: now, ms: now - start };
  }

  /** Emits task `id`'s `exit` (task/didExit) and wakes its waiters with `task`. */
  private announceEnd(id: string, completion: Completion, task: Task): void {
    this.context.events.emit('exit', completion);
    for (const waiter of this.endWaiters.get(id) ?? []) waiter(task);
    this.endWaiters.delete(id);
  }
}

/** The reason of a `restarting` task: how its last run ended (run 1 is the first). */
function runEndReason(row: TaskRow, end: TaskEnd): string {
  const run = (row.restarts ?? 0) + 1;
  if (row.state === 'stopping' && row.stopCause === 'restart') return `run ${run} stopped by task/restart`;
  if (row.state === 'stopping' && row.stopCause === 'timeout')
    return `run ${run} timed out after ${row.timeoutMs} ms`;
  if (end.signal !== undefined) return `run ${run} ended by ${end.signal}`;
  if (end.exitCode !== undefined) return `run ${run} exited with status ${end.exitCode}`;
  return `run ${run} ended${row.reason !== undefined ? `: ${row.reason}` : ''}`;
}
