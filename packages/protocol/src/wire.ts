// @tend/protocol/wire: everything a client needs at run time, without zod.
// Loading the schemas costs ~110 ms of start-up (measured with node 20 on the
// 2-core CI machine); the CLI, run once per command, must not pay it. Method
// references here carry only the name; their types come from the method
// objects through type-only imports, which compile to nothing.
import type { DaemonInitialize } from './methods/daemon-initialize.js';
import type { DaemonShutdown } from './methods/daemon-shutdown.js';
import type { DaemonStatus } from './methods/daemon-status.js';
import type { TaskCompletions } from './methods/task-completions.js';
import type { TaskDidChange } from './methods/task-did-change.js';
import type { TaskDidExit } from './methods/task-did-exit.js';
import type { TaskGet } from './methods/task-get.js';
import type { TaskKill } from './methods/task-kill.js';
import type { TaskList } from './methods/task-list.js';
import type { TaskOutput } from './methods/task-output.js';
import type { TaskPrune } from './methods/task-prune.js';
import type { TaskRemove } from './methods/task-remove.js';
import type { TaskRun } from './methods/task-run.js';
import type { TaskStats } from './methods/task-stats.js';
import type { TaskWait } from './methods/task-wait.js';

export * from './version.js';
export * from './errors.js';
export * from './signals.js';
export * from './paths.js';
export * from './states.js';
export * from './limits.js';
export * from './output-end.js';
export type { ParamsOf, ResultOf, ParsedParamsOf, RequestMethod, NotificationMethod } from './method.js';
export type { Task } from './task.js';
export type { Completion } from './methods/task-completions.js';
export type { TaskStats as TaskStatsEntry } from './methods/task-stats.js';

/**
 * A method's name, typed as its method object `M` (params and result types
 * follow from it) but without its schemas. A full method object is one too.
 */
export interface MethodRef<M extends { method: string }> {
  readonly method: string;
  /** Type carrier only; never set. */
  readonly __method?: M;
}

function ref<M extends { method: string }>(method: string): MethodRef<M> {
  return { method };
}

/** Every request and notification of the protocol, by the name of its method object. */
export const Methods = {
  DaemonInitialize: ref<typeof DaemonInitialize>('daemon/initialize'),
  DaemonStatus: ref<typeof DaemonStatus>('daemon/status'),
  DaemonShutdown: ref<typeof DaemonShutdown>('daemon/shutdown'),
  TaskRun: ref<typeof TaskRun>('task/run'),
  TaskList: ref<typeof TaskList>('task/list'),
  TaskGet: ref<typeof TaskGet>('task/get'),
  TaskOutput: ref<typeof TaskOutput>('task/output'),
  TaskWait: ref<typeof TaskWait>('task/wait'),
  TaskKill: ref<typeof TaskKill>('task/kill'),
  TaskRemove: ref<typeof TaskRemove>('task/remove'),
  TaskPrune: ref<typeof TaskPrune>('task/prune'),
  TaskCompletions: ref<typeof TaskCompletions>('task/completions'),
  TaskStats: ref<typeof TaskStats>('task/stats'),
  TaskDidChange: ref<typeof TaskDidChange>('task/didChange'),
  TaskDidExit: ref<typeof TaskDidExit>('task/didExit'),
} as const;
