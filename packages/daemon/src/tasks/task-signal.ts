import type { SignalName } from '@tend/protocol';
import { bootId, environHas, listProcStats, readProcStat, type ProcStat } from '../runtime/proc.js';
import type { TaskRow } from '../store/task-store.js';

/**
 * Name of the variable set in every task's environment (value: the task id).
 * Every descendant inherits it unless it clears its environment; it ties a
 * process to its task once the wrapper (and with it the proof that the process
 * group is still the task's) is gone.
 */
export const TASK_MARKER = 'TEND_TASK_ID';

/** What the signal path needs of a task row. */
export type TaskIdentityRow = Pick<TaskRow, 'id' | 'pid' | 'pgid' | 'startTicks' | 'bootId'>;

/** The processes of a task found in /proc (see {@link findTaskProcesses}). */
export interface TaskProcesses {
  /** The wrapper still runs with the start time and boot id of the row. */
  wrapperAlive: boolean;
  /** Live processes provably the task's (zombies left out). */
  members: ProcStat[];
  /** Live processes in the task's process group or session that are not provably its own. */
  strangers: ProcStat[];
}

/** What {@link signalTask} did. */
export interface SignalOutcome {
  /** `group`: kill(-pgid) (every member of the group was the task's); `members`: one kill(pid) per member; `none`. */
  via: 'group' | 'members' | 'none';
  /** Processes of the task that were signalled (a group signal counts the members found). */
  sent: number;
  /** Processes left alone because nothing tied them to the task. */
  spared: number;
}

const NONE: TaskProcesses = { wrapperAlive: false, members: [], strangers: [] };

/**
 * Finds the processes that are provably task `row`'s (DESIGN.md, "Signals
 * reach only the task's own processes"). A live process P counts when
 * - the row's boot id is the current boot,
 * - P's start time (clock ticks after boot) is no earlier than the wrapper's,
 * - P is in the task's process group or session (both are the wrapper's pid), and
 * - something ties it to this task: the wrapper itself still runs with the
 *   row's start time (Linux does not hand out a pid while it is still some
 *   process's group or session id, so the group and session are still the
 *   task's), or P carries `TEND_TASK_ID=<id>` in its environment, or P's
 *   parent counts.
 * A pid that came back to another process after the task's group emptied
 * (PID reuse) has none of these ties, so it is never a member.
 */
export function findTaskProcesses(row: TaskIdentityRow): TaskProcesses {
  const { pid, pgid, startTicks } = row;
  if (pid === undefined || pgid === undefined || startTicks === undefined || row.bootId === undefined) return NONE;
  if (pgid <= 1 || pid <= 1 || row.bootId !== bootId()) return NONE;
  const table = listProcStats();
  const live = (p: ProcStat) => p.state !== 'Z' && p.state !== 'X';
  const wrapperAlive = table.some((p) => p.pid === pid && live(p) && p.startTicks === startTicks);
  const inScope = table.filter((p) => live(p) && (p.pgid === pgid || p.sid === pgid) && p.pid > 1 && p.pid !== process.pid);
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
 * task's process group with one kill(-pgid) when every live process in that
 * group is provably the task's (see {@link findTaskProcesses}), else to each
 * proven process by pid; processes of the task's session outside its group
 * are signalled by pid. Nothing that is not provably the task's is
 * signalled, nor pid ≤ 1, nor the daemon.
 *
 * Residual race: a process can end, and its pid be reused, between the check
 * and kill(2) (microseconds; each per-pid kill re-reads the start time just
 * before). Closing it needs pidfd_send_signal(2) (Linux ≥ 5.1) on a pidfd
 * opened while the identity was checked, which Node does not expose (no
 * pidfd_open or pidfd_send_signal in node:process or libuv), nor cgroup.kill
 * until tasks run in their own cgroup.
 */
export function signalTask(row: TaskIdentityRow, signal: SignalName): SignalOutcome {
  const found = findTaskProcesses(row);
  const pgid = row.pgid as number;
  if (found.members.length === 0) return { via: 'none', sent: 0, spared: found.strangers.length };
  const inGroup = found.members.filter((p) => p.pgid === pgid);
  const groupIsTheTasks = inGroup.length > 0 && !found.strangers.some((p) => p.pgid === pgid);
  let sent = 0;
  if (groupIsTheTasks && killTarget(-pgid, signal)) sent += inGroup.length;
  for (const p of found.members) {
    if (groupIsTheTasks && p.pgid === pgid) continue;
    // Same process as when it was proven (not ended and reused since): then signal it.
    const now = readProcStat(p.pid);
    if (now && now.startTicks === p.startTicks && now.state !== 'Z' && killTarget(p.pid, signal)) sent++;
  }
  return { via: groupIsTheTasks ? 'group' : 'members', sent, spared: found.strangers.length };
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
