import type { SignalName } from '@tend/protocol';
import { bootId, readProcStat, type ProcStat } from '../runtime/proc.js';
import type { TaskRow } from '../store/task-store.js';
import { LIVE_PROC, type ProcReader, turnProcReader } from '../runtime/proc-reader.js';
import { findCgroupTaskProcesses, signalCgroupTask } from './cgroup-task.js';
import { scanTaskProcesses, type TaskProcesses } from './marker-scan.js';

export type { TaskProcesses } from './marker-scan.js';

/**
 * Name of the variable set in every task's environment (value: the task id).
 * Every descendant inherits it unless it clears its environment; it ties a
 * process to its task once the wrapper (and with it the proof that the process
 * group is still the task's) is gone, and finds the processes that left the
 * group (docs/design.md, "Signals reach only the task").
 */
export const TASK_MARKER = 'TEND_TASK_ID';

/** What the signal path needs of a task row. */
export type TaskIdentityRow = Pick<
  TaskRow,
  'id' | 'pid' | 'pgid' | 'startTicks' | 'bootId' | 'containment' | 'cgroup'
> &
  Partial<Pick<TaskRow, 'tty'>>;

/** What {@link signalTask} did. */
export interface SignalOutcome {
  /**
   * `group`: one kill(-pgid) reached the task's process group (members outside it got one kill(pid) each);
   * `members`: one kill(pid) per member; `cgroup`: the task's cgroup (cgroup.kill, or freeze + kill each
   * member + thaw); `none`: nothing was signalled.
   */
  via: 'group' | 'members' | 'cgroup' | 'none';
  /**
   * Processes the signal reached: the members in the group when kill(-pgid) succeeded, plus each
   * kill(pid) that succeeded (for a cgroup task: the processes in its cgroup). task/kill reports this number.
   */
  sent: number;
  /**
   * Of `sent`, the processes outside the task's process group (found by their TEND_TASK_ID marker or parent);
   * always 0 for a cgroup task, whose membership does not depend on its process group.
   */
  outside: number;
  /** Processes in the task's group left alone because nothing tied them to the task. */
  spared: number;
}

/**
 * Most passes of {@link signalTask} for SIGKILL: after a pass that killed
 * members by pid, the next finds only children they forked between the scan
 * and their SIGKILL, so the passes end as soon as one finds nobody new (or
 * killed nobody by pid: kill(-pgid) leaves no such child in the group).
 */
const SIGKILL_PASSES = 8;

const NONE: TaskProcesses = { wrapperAlive: false, members: [], strangers: [] };
const NOTHING: SignalOutcome = { via: 'none', sent: 0, outside: 0, spared: 0 };

/**
 * Finds the processes that are provably task `row`'s (docs/design.md, "Signals
 * reach only the task"): in its process group, and outside it every process of
 * the daemon's user that carries `TEND_TASK_ID=<id>` or descends from a member
 * (see {@link scanTaskProcesses} for the rules), all started no earlier than the
 * wrapper in this boot. A pid that came back to another process after the
 * task's ended (PID reuse) has none of these ties, so it is never a member.
 * A task with `containment: 'cgroup'` is looked up in its cgroup instead
 * (cgroup-task.ts): membership of the cgroup is the proof.
 * Cost: one pass over /proc and one environ read per process started after the
 * wrapper (BENCHMARKS.md, "Marker scan"); called on stop, kill and end checks
 * only, never in the watchdog's 100 ms poll. `reader` defaults to the reads
 * shared by this turn of the event loop (runtime/proc-reader.ts).
 */
export function findTaskProcesses(
  row: TaskIdentityRow,
  reader: ProcReader = turnProcReader(),
): TaskProcesses {
  if (row.containment === 'cgroup') return findCgroupTaskProcesses(row);
  const { pid, pgid, startTicks } = row;
  if (pid === undefined || pgid === undefined || startTicks === undefined || row.bootId === undefined)
    return NONE;
  if (pgid <= 1 || pid <= 1 || row.bootId !== bootId()) return NONE;
  return scanTaskProcesses(
    { id: row.id, pid, pgid, startTicks },
    { uid: process.getuid?.() ?? -1, selfPid: process.pid, markerName: TASK_MARKER },
    reader,
  );
}

/**
 * The one way tend signals a task: every stop, timeout, SIGKILL escalation,
 * leftover sweep and recovery goes through here. It finds the task's processes
 * ({@link findTaskProcesses}), sends `signal` to the task's process group with
 * one kill(-pgid) when the wrapper still runs with the row's identity or every
 * live process in the group is provably the task's, and to each other member
 * (those outside the group, or all of them when the group holds strangers) by
 * pid. After SIGKILL by pid, a new scan looks for children forked between
 * scan and kill, until one finds none, at most {@link SIGKILL_PASSES} passes.
 * Nothing that is not provably the task's is signalled, nor pid ≤ 1, nor the
 * daemon, nor (outside the group) another user's process. While the
 * wrapper of a `tty` task runs, signals other than SIGKILL go to its group
 * only: the wrapper forwards them to the command's terminal session
 * (tty-run.ts); its other processes outside the group get the SIGKILL that
 * ends the stop. A task with `containment: 'cgroup'` is signalled through its
 * cgroup instead (cgroup-task.ts: cgroup.kill, or freeze + kill + thaw).
 *
 * Residual race: a process can end, and its pid be reused, between the check
 * and kill(2) (microseconds; each per-pid kill re-reads the start time just
 * before). Closing it needs pidfd_send_signal(2) (Linux ≥ 5.1) on a pidfd
 * opened while the identity was checked, which Node does not expose (no
 * pidfd_open or pidfd_send_signal in node:process or libuv); cgroup
 * containment (cgroup.kill) has no such race.
 */
export function signalTask(row: TaskIdentityRow, signal: SignalName): SignalOutcome {
  if (row.containment === 'cgroup') return signalCgroupTask(row, signal);
  const { pgid } = row;
  if (pgid === undefined) return NOTHING;
  const outcome = { ...NOTHING };
  const reached = new Set<string>();
  const key = (p: ProcStat) => `${p.pid}:${p.startTicks}`;
  for (let pass = 0; pass < (signal === 'SIGKILL' ? SIGKILL_PASSES : 1); pass++) {
    // SIGKILL always reads /proc afresh; other signals may share the reads of this turn (stopAll).
    const found = findTaskProcesses(row, signal === 'SIGKILL' ? LIVE_PROC : turnProcReader());
    let perPid = false;
    // Strangers as first found (once the wrapper is SIGKILLed, later passes no longer see the group proven).
    if (pass === 0) outcome.spared = found.strangers.length;
    const fresh = found.members.filter((p) => !reached.has(key(p)));
    if (fresh.length === 0) break;
    const wholeGroup = pass === 0 && (found.wrapperAlive || found.strangers.length === 0);
    // A tty task's wrapper forwards the signal to the terminal's session; sent to `script` itself, a
    // TERM, INT or QUIT makes it drop the command's last output and exit 0 (tty-run.ts). SIGKILL reaches all.
    const groupOnly = row.tty === true && found.wrapperAlive && signal !== 'SIGKILL';
    const inGroup = fresh.filter((p) => p.pgid === pgid);
    if (wholeGroup && inGroup.length > 0 && killTarget(-pgid, signal)) {
      outcome.via = 'group';
      outcome.sent += inGroup.length;
      for (const p of inGroup) reached.add(key(p));
    }
    for (const p of fresh) {
      if (reached.has(key(p)) || (groupOnly && p.pgid !== pgid)) continue;
      reached.add(key(p));
      // Same process as when it was proven (not ended and reused since): then signal it.
      const now = readProcStat(p.pid);
      if (!now || now.startTicks !== p.startTicks || now.state === 'Z' || !killTarget(p.pid, signal))
        continue;
      outcome.sent++;
      perPid = true;
      if (p.pgid !== pgid) outcome.outside++;
      if (outcome.via === 'none') outcome.via = 'members';
    }
    // kill(-pgid) is atomic against fork in the group; per-pid kills are not: look again.
    if (!perPid) break;
  }
  return outcome;
}

/** kill(2) that reports failure (gone, or not ours) as false. Never reached with a target in -1..1. */
function killTarget(target: number, signal: SignalName): boolean {
  if (target >= -1 && target <= 1) return false;
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false;
  }
}
