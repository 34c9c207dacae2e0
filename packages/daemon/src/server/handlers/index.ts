import type { REQUEST_METHODS, RequestKey } from '@tend/protocol';
import type { Handler } from '../handler.js';
import { daemonInitialize } from './daemon-initialize.js';
import { daemonShutdown } from './daemon-shutdown.js';
import { daemonStatus } from './daemon-status.js';
import { projectDown } from './project-down.js';
import { projectUp } from './project-up.js';
import { taskCompletions } from './task-completions.js';
import { taskGet } from './task-get.js';
import { taskKill } from './task-kill.js';
import { taskList } from './task-list.js';
import { taskOutput } from './task-output.js';
import { taskPrune } from './task-prune.js';
import { taskRemove } from './task-remove.js';
import { taskRestart } from './task-restart.js';
import { taskRun } from './task-run.js';
import { taskStatsHandler } from './task-stats.js';
import { taskWait } from './task-wait.js';

/**
 * One handler per request method object, keyed as in REQUEST_NAMES (@tend/protocol
 * method-names.ts): a request without a handler, or a handler of another method
 * under a key, does not compile (handlers.test.ts checks the same at run time).
 */
export const HANDLERS_BY_KEY = {
  DaemonInitialize: daemonInitialize,
  DaemonStatus: daemonStatus,
  DaemonShutdown: daemonShutdown,
  TaskRun: taskRun,
  TaskList: taskList,
  TaskGet: taskGet,
  TaskOutput: taskOutput,
  TaskWait: taskWait,
  TaskKill: taskKill,
  TaskRestart: taskRestart,
  TaskRemove: taskRemove,
  TaskPrune: taskPrune,
  TaskCompletions: taskCompletions,
  TaskStats: taskStatsHandler,
  ProjectUp: projectUp,
  ProjectDown: projectDown,
} satisfies { [K in RequestKey]: Handler<(typeof REQUEST_METHODS)[K]> };

/** The dispatch table: method name (e.g. `task/run`) → handler, from {@link HANDLERS_BY_KEY}. */
export const HANDLERS: ReadonlyMap<string, Handler> = new Map(
  Object.values(HANDLERS_BY_KEY).map((handler) => [handler.def.method, handler as Handler]),
);
