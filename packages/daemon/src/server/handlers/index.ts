import type { Handler } from '../handler.js';
import { daemonInitialize } from './daemon-initialize.js';
import { daemonShutdown } from './daemon-shutdown.js';
import { daemonStatus } from './daemon-status.js';
import { taskCompletions } from './task-completions.js';
import { taskGet } from './task-get.js';
import { taskKill } from './task-kill.js';
import { taskList } from './task-list.js';
import { taskOutput } from './task-output.js';
import { taskPrune } from './task-prune.js';
import { taskRemove } from './task-remove.js';
import { taskRun } from './task-run.js';
import { taskStatsHandler } from './task-stats.js';
import { taskWait } from './task-wait.js';

/** The dispatch table: method name → handler. Every request method of @tend/protocol has a row. */
export const HANDLERS: ReadonlyMap<string, Handler> = new Map(
  (
    [
      daemonInitialize,
      daemonStatus,
      daemonShutdown,
      taskRun,
      taskList,
      taskGet,
      taskOutput,
      taskWait,
      taskKill,
      taskRemove,
      taskPrune,
      taskCompletions,
      taskStatsHandler,
    ] as Handler[]
  ).map((handler) => [handler.def.method, handler]),
);
