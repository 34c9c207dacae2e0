import {
  bootId,
  findProcessesWithArg,
  isSameProcess,
  processStartMs,
  readProcStat,
} from '../runtime/proc.js';
import type { TaskRow } from '../store/task-store.js';
import { cgroupHoldsWrapper } from './cgroup-task.js';
import { wrapperGone } from './orphaned-task.js';
import type { TaskEnder } from './task-end.js';
import { taskFiles } from './task-folder.js';
import type { TaskStopper } from './task-stopper.js';
import type { Watchdog } from './watchdog.js';
import { recordWrapperIdentity } from './wrapper-identity.js';

/** What {@link recoverLiveTasks} found. */
export interface RecoveryReport {
  adopted: number;
  ended: number;
  lost: number;
  /** Tasks waiting for their next run (restart policies), their backoff re-armed. */
  restarting: number;
}

/**
 * Classifies every task a previous daemon left live, before this daemon serves requests
 * (docs/design.md, "Recovery at start-up"; modelled on pitchfork's src/supervisor/adopt.rs):
 * ended while away (the exit record gives the real status), adopted (wrapper
 * alive, same start time and boot id: watched from now on; or wrapper gone
 * without a record while processes provably the task's still run: watched as
 * an orphan until they end), or `lost` (reboot, or wrapper gone without a
 * record and nothing of the task left). Timers are re-armed from the row; a
 * stop that was in progress is signalled again and ends as the stop asked
 * (killed or timed_out). A `restarting` task's backoff is re-armed from its row. A task with its own cgroup is re-found there (its
 * wrapper must be in it), and tracked as an orphan until the cgroup is empty.
 */
export function recoverLiveTasks(ender: TaskEnder, stopper: TaskStopper, watchdog: Watchdog): RecoveryReport {
  const { store } = ender.context;
  const report: RecoveryReport = { adopted: 0, ended: 0, lost: 0, restarting: 0 };
  const now = Date.now();
  for (let row of store.live()) {
    // Between two runs: the backoff is re-armed from the row (one already past starts the run at once).
    if (row.state === 'restarting') {
      stopper.timers.schedule(row);
      report.restarting++;
      continue;
    }
    if (ender.finishFromRecord(row.id)) {
      report.ended++;
      continue;
    }
    if (row.pid === undefined) row = findUnrecordedWrapper(ender, row);
    // A restart whose row was written but whose wrapper never started: back to restarting, due now.
    if (row.pid === undefined && (row.restarts ?? 0) > 0 && row.state === 'starting') {
      store.update(row.id, {
        state: 'restarting',
        restartAt: now,
        reason: `the daemon stopped before run ${(row.restarts ?? 0) + 1} was started`,
      });
      stopper.timers.schedule(store.get(row.id) ?? row);
      report.restarting++;
      continue;
    }
    const verdict = judge(row);
    // Wrapper gone without a record, but processes provably the task's still run: watched as an orphan.
    const kept =
      verdict === 'alive' || wrapperGone(ender, row.id, { endedAt: now, lostReason: verdict }) === 'orphaned';
    if (kept) {
      row = store.get(row.id) ?? row;
      if (verdict === 'alive') watchdog.adopt(row);
      // A cgroup task is re-found by its row's cgroup: its wrapper must still be in it.
      if (verdict === 'alive' && row.containment === 'cgroup' && !cgroupHoldsWrapper(row))
        ender.context.logger.warn({ task: row.id, cgroup: row.cgroup }, 'adopted task is not in its cgroup');
      stopper.timers.schedule(row);
      // A stop the previous daemon recorded may not have been signalled yet: finish the job.
      if (row.state === 'stopping' && row.killAt !== undefined) {
        stopper.signalGroup(row, 'SIGTERM');
        stopper.signalGroup(row, 'SIGCONT'); // a stopped task must run to act on it
      } else if (row.state === 'stopping') stopper.signalGroup(row, 'SIGKILL');
      report.adopted++;
    } else {
      report.lost++;
    }
  }
  return report;
}

/**
 * A daemon killed between spawning a wrapper and recording its pid leaves a
 * `starting` row without one while the task runs. The wrapper's argv names the
 * task's exit record, so it is found by that and its identity recorded now.
 */
function findUnrecordedWrapper(ender: TaskEnder, row: TaskRow): TaskRow {
  const { store, tasksDir } = ender.context;
  for (const pid of findProcessesWithArg(taskFiles(tasksDir, row.id).exitPath)) {
    const stat = readProcStat(pid);
    // The wrapper leads its own session and group; its children carry no such argv.
    if (!stat || stat.pgid !== pid || stat.sid !== pid) continue;
    return recordWrapperIdentity(store, row, pid, stat, processStartMs(stat.startTicks));
  }
  return row;
}

/** 'alive' when the row's wrapper runs now; otherwise why its end is unknown. */
function judge(row: TaskRow): 'alive' | string {
  if (row.pid === undefined || row.startTicks === undefined || row.bootId === undefined) {
    return 'the daemon stopped before the task was started';
  }
  if (row.bootId !== bootId()) return 'reboot';
  if (isSameProcess(row.pid, { startTicks: row.startTicks, bootId: row.bootId })) return 'alive';
  const stat = readProcStat(row.pid);
  // A zombie is a wrapper that ended and was not reaped (e.g. under a PID 1 that does not reap).
  return stat && stat.state !== 'Z' && stat.startTicks !== row.startTicks
    ? 'its pid now belongs to another process (PID reuse) and it left no exit record'
    : 'its wrapper ended without an exit record';
}
