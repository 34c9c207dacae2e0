import type { SignalName } from '@tend/protocol';
import {
  bootId,
  environHas,
  groupExists,
  isSameProcess,
  listProcStats,
  readProcStat,
  type ProcStat,
} from '../runtime/proc.js';
import type { TaskRow } from '../store/task-store.js';
import { findCgroupTaskProcesses, signalCgroupTask } from './cgroup-task.js';

/**
 * Name of the variable set in every task's environment (value: the task id).
 * Every descendant inherits it unless it clears its environment; it ties a
 * process to its task once the wrapper (and with it the proof that the process
 * group is still the task's) is gone.
 */
export const TASK_MARKER = 'TEND_TASK_ID';

/** What the signal path needs of a task row. */
export type TaskIdentityRow = Pick<
  TaskRow,
  'id' | 'pid' | 'pgid' | 'startTicks' | 'bootId' | 'containment' | 'cgroup'
>;

/** The processes of a task found in /proc (see {@link findTaskProcesses}). */
export interface TaskProcesses {
  /** The wrapper still runs with the start time and boot id of the row. */
  wrapperAlive: boolean;
  /** Live processes provably the task's (zombies left out). */
  members: ProcStat[];
  /** Live processes in the task's process group that are not provably its own. */
  strangers: ProcStat[];
}

/** What {@link signalTask} did. */
export interface SignalOutcome {
  /**
   * `group`: one kill(-pgid) (the whole group was the task's); `members`: one kill(pid) per member;
   * `cgroup`: the task's cgroup (cgroup.kill, or freeze + kill each member + thaw); `none`.
   */
  via: 'group' | 'members' | 'cgroup' | 'none';
  /** kill(2) calls that succeeded. */
  sent: number;
  /** Processes left alone because nothing tied them to the task. */
  spared: number;
}

const NONE: TaskProcesses = { wrapperAlive: false, members: [], strangers: [] };

/**
 * Finds the processes that are provably task `row`'s (docs/design.md, "Signals
 * reach only the task"). A live process P counts when
 * - the row's boot id is the current boot,
 * - P's start time (clock ticks after boot) is no earlier than the wrapper's,
 * - P is in the task's process group (whose id is the wrapper's pid), and
 * - something ties it to this task: the wrapper itself still runs with the
 *   row's start time (Linux does not hand out a pid while it is still some
 *   process's group or session id, so the group is still the task's), or P carries `TEND_TASK_ID=<id>` in its environment, or P's
 *   parent counts.
 * A pid that came back to another process after the task's group emptied
 * (PID reuse) has none of these ties, so it is never a member. A task with
 * `containment: 'cgroup'` is looked up in its cgroup instead (cgroup-task.ts).
 * Cost: one kill(-pgid, 0), then, when the group has members, one pass over
 * /proc (about 0.1–0.2 ms per process on a busy 2-core machine).
 */
export function findTaskProcesses(row: TaskIdentityRow): TaskProcesses {
  if (row.containment === 'cgroup') return findCgroupTaskProcesses(row);
  const { pid, pgid, startTicks } = row;
  if (pid === undefined || pgid === undefined || startTicks === undefined || row.bootId === undefined)
    return NONE;
  if (pgid <= 1 || pid <= 1 || row.bootId !== bootId() || !groupExists(pgid)) return NONE;
  const table = listProcStats();
  const live = (p: ProcStat) => p.state !== 'Z' && p.state !== 'X';
  const wrapperAlive = table.some((p) => p.pid === pid && live(p) && p.startTicks === startTicks);
  const inScope = table.filter((p) => live(p) && p.pgid === pgid && p.pid > 1 && p.pid !== process.pid);
  const marker = `${TASK_MARKER}=${row.id}`;
  const proven = new Set<number>();
  for (const p of inScope) {
    if (p.startTicks >= startTicks && (wrapperAlive || environHas(p.pid, marker))) proven.add(p.pid);
  }
  // A child of a member is a member, even when it cleared its environment.
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of inScope) {
      if (!proven.has(p.pid) && p.startTicks >= startTicks && proven.has(p.ppid)) {
        proven.add(p.pid);
        grew = true;
      }
    }
  }
  return {
    wrapperAlive,
    members: inScope.filter((p) => proven.has(p.pid)),
    strangers: inScope.filter((p) => !proven.has(p.pid)),
  };
}

/**
 * The one way tend signals a task: every stop, timeout, SIGKILL escalation,
 * leftover sweep and recovery goes through here. It sends `signal` to the
 * task's process group with one kill(-pgid) when the wrapper still runs with
 * the row's identity, or when every live process in the group is provably the
 * task's (see {@link findTaskProcesses}); else to each proven process by pid.
 * Nothing that is not provably the task's is signalled, nor pid ≤ 1, nor the
 * daemon. A task with `containment: 'cgroup'` is signalled through its cgroup
 * instead (cgroup-task.ts: cgroup.kill, or freeze + kill + thaw).
 *
 * Residual race: a process can end, and its pid be reused, between the check
 * and kill(2) (microseconds; each per-pid kill re-reads the start time just
 * before). Closing it needs pidfd_send_signal(2) (Linux ≥ 5.1) on a pidfd
 * opened while the identity was checked, which Node does not expose (no
 * pidfd_open or pidfd_send_signal in node:process or libuv), nor cgroup.kill
 * until tasks run in their own cgroup.
 */
export function signalTask(row: TaskIdentityRow, signal: SignalName): SignalOutcome {
  if (row.containment === 'cgroup') return signalCgroupTask(row, signal);
  const { pid, pgid, startTicks } = row;
  if (pid === undefined || pgid === undefined || startTicks === undefined || row.bootId === undefined)
    return NOTHING;
  // Fast path: the wrapper holds its pid, so the group is the task's.
  if (pgid === pid && isSameProcess(pid, { startTicks, bootId: row.bootId })) {
    const sent = killTarget(-pgid, signal) ? 1 : 0;
    return { via: sent ? 'group' : 'none', sent, spared: 0 };
  }
  const found = findTaskProcesses(row);
  if (found.members.length === 0) return { ...NOTHING, spared: found.strangers.length };
  if (found.strangers.length === 0) {
    const sent = killTarget(-pgid, signal) ? 1 : 0;
    return { via: sent ? 'group' : 'none', sent, spared: 0 };
  }
  let sent = 0;
  for (const p of found.members) {
    // Same process as when it was proven (not ended and reused since): then signal it.
    const now = readProcStat(p.pid);
    if (
      now &&
      now.startTicks === p.startTicks &&
      now.pgid === pgid &&
      now.state !== 'Z' &&
      killTarget(p.pid, signal)
    )
      sent++;
  }
  return { via: sent ? 'members' : 'none', sent, spared: found.strangers.length };
}

const NOTHING: SignalOutcome = { via: 'none', sent: 0, spared: 0 };

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
