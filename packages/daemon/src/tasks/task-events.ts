import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Completion, Task } from '@tend/protocol';
import type { Containment } from '../runtime/cgroup-root.js';
import type { TaskRow, TaskStore } from '../store/task-store.js';
import { toTask } from './task-view.js';

/** Events of the task lifecycle, in the order a task meets them. */
export interface TaskEventMap {
  /** After every state change of a task, and after its removal (`removed`). */
  change: [task: Task, removed: boolean];
  /** After a task's end is committed, with its completion (and seq). */
  exit: [completion: Completion];
  /** The wrapper of a live task ended without an exit record while processes of the task still run: watch them. */
  orphaned: [row: TaskRow];
}

/**
 * The emitter every lifecycle step reports to (start, end, stop, recovery,
 * watching); the server, the watchdog, the output cap and retention listen.
 * The steps depend on it, never on each other's owner.
 */
export class TaskEvents extends EventEmitter<TaskEventMap> {
  constructor(readonly store: TaskStore) {
    super();
  }

  /**
   * Emits `change` for task `id` as it is stored now and returns it; undefined when there is no such task.
   * @param stored the row as just read back from the store by the caller (saves reading it again); it
   *   must be the stored row, not one built in memory.
   */
  changed(id: string, stored?: TaskRow): Task | undefined {
    const row = stored ?? this.store.get(id);
    if (!row) return undefined;
    const task = toTask(row);
    this.emit('change', task, false);
    return task;
  }
}

/** What every lifecycle step works with. */
export interface TaskContext {
  store: TaskStore;
  events: TaskEvents;
  logger: Logger;
  /** `<state>/tasks`: one directory per task (see {@link taskFiles}). */
  tasksDir: string;
  /** How new tasks are contained (docs/design.md, "Containment"); absent: marker. */
  containment?: Containment;
}
