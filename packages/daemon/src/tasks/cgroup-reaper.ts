import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminal } from '@tend/protocol';
import { removeTaskCgroup } from '../runtime/cgroup.js';
import { watchUntilEmpty } from '../runtime/cgroup-watch.js';
import type { TaskContext } from './task-events.js';
import { taskCgroupOf } from './cgroup-task.js';

/**
 * Removes the cgroup of every cgroup-contained task once the task has ended and the cgroup is
 * empty (`populated 0`, watched through cgroup.events; docs/design.md, "Containment"). A cgroup
 * that still holds processes after the main command ended (leftovers) is kept until they end: its
 * processes stay contained and `stop` still finds them. Only `task-<id>` directories directly
 * under the daemon's cgroup root, of tasks in this daemon's store, are ever removed.
 */
export class CgroupReaper {
  private readonly watches = new Map<string, () => void>();

  constructor(private readonly context: TaskContext) {
    context.events.on('exit', (completion) => this.reap(completion.taskId));
    context.events.on('change', (task, removed) => {
      if (removed || isTerminal(task.state)) this.reap(task.id);
    });
  }

  /**
   * At start-up, after recovery: watches the cgroup of every ended task that a previous daemon
   * left behind under the root (it died between the end and the removal).
   */
  sweep(): void {
    const containment = this.context.containment;
    if (containment?.mode !== 'cgroup') return;
    let names: string[];
    try {
      names = readdirSync(containment.root).filter((name) => /^task-[a-z0-9]+$/.test(name));
    } catch {
      return;
    }
    for (const name of names) this.reap(name.slice('task-'.length), join(containment.root, name));
  }

  /** Stops every watch (daemon shutdown); cgroups still populated stay for the next daemon. */
  stop(): void {
    for (const close of this.watches.values()) close();
    this.watches.clear();
  }

  /** Watches task `id`'s cgroup, when it has one and has ended, and removes it once empty. */
  private reap(id: string, expected?: string): void {
    const root = this.context.containment?.mode === 'cgroup' ? this.context.containment.root : undefined;
    if (root === undefined || this.watches.has(id)) return;
    const row = this.context.store.get(id);
    if (!row || !isTerminal(row.state)) return;
    const dir = taskCgroupOf(row);
    if (!dir || (expected !== undefined && dir !== expected)) return;
    let emptied = false;
    const close = watchUntilEmpty(dir, () => {
      emptied = true;
      this.watches.delete(id);
      // Run again meanwhile (task/restart): the cgroup is its next run's.
      const now = this.context.store.get(id);
      if (now && !isTerminal(now.state)) return;
      try {
        if (!removeTaskCgroup(root, dir))
          this.context.logger.warn({ task: id, cgroup: dir }, 'could not remove the empty task cgroup');
      } catch (error) {
        // Not a task cgroup directly under this daemon's root (another root in an older row): left alone.
        this.context.logger.warn({ task: id, cgroup: dir, err: error }, 'task cgroup left in place');
      }
    });
    // Already empty: removed at once, nothing to watch.
    if (!emptied) this.watches.set(id, close);
  }
}
