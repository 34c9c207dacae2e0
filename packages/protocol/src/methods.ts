import type { z } from 'zod';
import type { RequestMethod, NotificationMethod } from './method.js';
import { NOTIFICATION_NAMES, type NotificationKey, REQUEST_NAMES, type RequestKey } from './method-names.js';
import { DaemonInitialize } from './methods/daemon-initialize.js';
import { DaemonShutdown } from './methods/daemon-shutdown.js';
import { DaemonStatus } from './methods/daemon-status.js';
import { ProjectDidProgress } from './methods/project-did-progress.js';
import { ProjectDown } from './methods/project-down.js';
import { ProjectUp } from './methods/project-up.js';
import { TaskCompletions } from './methods/task-completions.js';
import { TaskDidChange } from './methods/task-did-change.js';
import { TaskDidExit } from './methods/task-did-exit.js';
import { TaskGet } from './methods/task-get.js';
import { TaskKill } from './methods/task-kill.js';
import { TaskList } from './methods/task-list.js';
import { TaskOutput } from './methods/task-output.js';
import { TaskPrune } from './methods/task-prune.js';
import { TaskRemove } from './methods/task-remove.js';
import { TaskRestart } from './methods/task-restart.js';
import { TaskRun } from './methods/task-run.js';
import { TaskStats } from './methods/task-stats.js';
import { TaskWait } from './methods/task-wait.js';

/**
 * Every request method object, keyed as in REQUEST_NAMES (method-names.ts). The
 * type check makes this table complete: a name without its object, an object
 * without a name, or an object under another name's key does not compile.
 */
export const REQUEST_METHODS = {
  DaemonInitialize,
  DaemonStatus,
  DaemonShutdown,
  TaskRun,
  TaskList,
  TaskGet,
  TaskOutput,
  TaskWait,
  TaskKill,
  TaskRestart,
  TaskRemove,
  TaskPrune,
  TaskCompletions,
  TaskStats,
  ProjectUp,
  ProjectDown,
} satisfies { [K in RequestKey]: RequestMethod<z.ZodType, z.ZodType, (typeof REQUEST_NAMES)[K]> };

/** Every notification method object, keyed as in NOTIFICATION_NAMES (method-names.ts). */
export const NOTIFICATION_METHODS = {
  TaskDidChange,
  TaskDidExit,
  ProjectDidProgress,
} satisfies { [K in NotificationKey]: NotificationMethod<z.ZodType, (typeof NOTIFICATION_NAMES)[K]> };

/** Every request method, in documentation order (that of REQUEST_NAMES). */
export const REQUESTS = (Object.keys(REQUEST_NAMES) as RequestKey[]).map((key) => REQUEST_METHODS[key]);

/** Every notification method, in documentation order (that of NOTIFICATION_NAMES). */
export const NOTIFICATIONS = (Object.keys(NOTIFICATION_NAMES) as NotificationKey[]).map(
  (key) => NOTIFICATION_METHODS[key],
);
