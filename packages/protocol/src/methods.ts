import { DaemonInitialize } from './methods/daemon-initialize.js';
import { DaemonShutdown } from './methods/daemon-shutdown.js';
import { DaemonStatus } from './methods/daemon-status.js';
import { TaskCompletions } from './methods/task-completions.js';
import { TaskDidChange } from './methods/task-did-change.js';
import { TaskDidExit } from './methods/task-did-exit.js';
import { TaskGet } from './methods/task-get.js';
import { TaskKill } from './methods/task-kill.js';
import { TaskList } from './methods/task-list.js';
import { TaskOutput } from './methods/task-output.js';
import { TaskPrune } from './methods/task-prune.js';
import { TaskRemove } from './methods/task-remove.js';
import { TaskRun } from './methods/task-run.js';
import { TaskStats } from './methods/task-stats.js';
import { TaskWait } from './methods/task-wait.js';

/** Every request method, in documentation order. */
export const REQUESTS = [
  DaemonInitialize,
  DaemonStatus,
  DaemonShutdown,
  TaskRun,
  TaskList,
  TaskGet,
  TaskOutput,
  TaskWait,
  TaskKill,
  TaskRemove,
  TaskPrune,
  TaskCompletions,
  TaskStats,
] as const;

/** Every notification method. */
export const NOTIFICATIONS = [TaskDidChange, TaskDidExit] as const;
