// A task's resource limits through its life: refused up front when they cannot be enforced,
// written into its cgroup before its wrapper joins, and named in its end when the OOM killer
// ended it. The cgroup files are runtime/cgroup-limits.ts's.
import type { Containment } from '../runtime/cgroup-root.js';
import type { TaskRow } from '../store/task-store.js';
import {
  applyLimits,
  checkLimitsAvailable,
  enableControllers,
  formatIecBytes,
  limitControllers,
  oomKills,
  type TaskLimits,
} from '../runtime/cgroup-limits.js';
import type { TaskEnd } from './end-state.js';

/** Where tasks' cgroups live, as far as limits are concerned. */
export interface LimitsContainment {
  /** The cgroup v2 directory each task's cgroup (`<root>/task-<id>`) is created in; absent: no cgroup containment. */
  cgroupRoot?: string;
  /**
   * Without `cgroupRoot`: the daemon's containment and why it has no cgroup, for the error, e.g.
   * "marker containment because /sys/fs/cgroup/… is not writable".
   */
  withoutCgroup?: string;
}

/** The limits a task/run request (or a row) asks for; absent fields are not limited. */
export function limitsOf(source: TaskLimits): TaskLimits {
  return {
    ...(source.memoryMaxBytes !== undefined ? { memoryMaxBytes: source.memoryMaxBytes } : {}),
    ...(source.pidsMax !== undefined ? { pidsMax: source.pidsMax } : {}),
  };
}

/**
 * Where the daemon's tasks get their cgroups, as {@link prepareTaskLimits} needs it: the cgroup root under
 * cgroup containment, else why there is none (for the limit_unavailable message).
 * @param containment the daemon's containment (chooseContainment); undefined: marker, reason unknown.
 */
export function limitsContainmentOf(containment: Containment | undefined): LimitsContainment {
  if (containment?.mode === 'cgroup') return { cgroupRoot: containment.root };
  return {
    withoutCgroup: `marker containment because ${containment?.reason ?? 'no cgroup root was chosen'}`,
  };
}

/**
 * Before a task is created: refuses limits its cgroup could not enforce, and enables their
 * controllers for the children of the cgroup root (once; later calls write nothing).
 * Nothing happens when `limits` is empty.
 * @throws TendDaemonError limit_unavailable (see checkLimitsAvailable and enableControllers).
 */
export function prepareTaskLimits(limits: TaskLimits, containment: LimitsContainment): void {
  const controllers = limitControllers(limits);
  if (controllers.length === 0) return;
  checkLimitsAvailable(containment.cgroupRoot, limits, containment.withoutCgroup);
  enableControllers(containment.cgroupRoot as string, controllers);
}

/**
 * CALL SITE (cgroup containment): right after the task's cgroup `row.cgroup` is created and before
 * the wrapper moves itself into it, so no process of the task ever runs uncapped. Call it inside
 * the try block around the spawn in task-start.ts: a throw then ends the task `failed` with reason
 * `spawn error: <why>`, which is right, since its limits could not be set.
 * Writes nothing when the row has no limits.
 * @throws Error when the row has limits but no cgroup (prepareTaskLimits should have refused it),
 *   or the fs error of a write that failed.
 */
export function applyTaskLimits(row: Pick<TaskRow, 'id' | 'cgroup' | 'memoryMaxBytes' | 'pidsMax'>): void {
  const limits = limitsOf(row);
  if (limitControllers(limits).length === 0) return;
  if (row.cgroup === undefined)
    throw new Error(`task ${row.id} has resource limits but no cgroup to set them in`);
  applyLimits(row.cgroup, limits);
}

/**
 * The reason of a task ended by the OOM killer: its command died by SIGKILL and the memory.events of
 * its cgroup counts an `oom_kill` (https://docs.kernel.org/admin-guide/cgroup-v2.rst, "Memory
 * Interface Files"). Undefined otherwise, and for a task tend was stopping (its own SIGKILL).
 * @param row the task's row before its end is written.
 */
export function oomEndReason(
  row: Pick<TaskRow, 'state' | 'cgroup' | 'memoryMaxBytes'>,
  end: Pick<TaskEnd, 'signal'>,
): string | undefined {
  if (row.cgroup === undefined || row.memoryMaxBytes === undefined) return undefined;
  if (end.signal !== 'SIGKILL' || row.state === 'stopping') return undefined;
  if (oomKills(row.cgroup) === 0) return undefined;
  return `killed by the OOM killer: memory.max (${formatIecBytes(row.memoryMaxBytes)}) reached`;
}
