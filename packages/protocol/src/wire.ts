// @tend/protocol/wire: everything a client needs at run time, without zod.
// Loading the schemas costs ~110 ms of start-up (measured with node 20 on the
// 2-core CI machine); the CLI, run once per command, must not pay it. Method
// references here carry only the name, taken from the one list of names
// (method-names.ts); their types come from the method objects through
// type-only imports, which compile to nothing.
import { NOTIFICATION_NAMES, REQUEST_NAMES } from './method-names.js';
import type { NOTIFICATION_METHODS, REQUEST_METHODS } from './methods.js';

export * from './version.js';
export * from './errors.js';
export * from './signals.js';
export * from './paths.js';
export * from './stop-mark.js';
export * from './states.js';
export * from './lifetimes.js';
export * from './restart-policy.js';
export * from './limits.js';
export * from './output-position.js';
export * from './method-names.js';
export type { ParamsOf, ResultOf, ParsedParamsOf, RequestMethod, NotificationMethod } from './method.js';
export type { Task } from './task.js';
export type { Completion } from './methods/task-completions.js';
export type { StopProof } from './methods/task-kill.js';
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

type MethodObjects = typeof REQUEST_METHODS & typeof NOTIFICATION_METHODS;

/** The type of {@link Methods}: one {@link MethodRef} per method object, under its name. */
export type MethodRefs = { readonly [K in keyof MethodObjects]: MethodRef<MethodObjects[K]> };

/**
 * Every request and notification of the protocol, by the name of its method
 * object (e.g. `Methods.TaskRun.method === 'task/run'`), built from
 * REQUEST_NAMES and NOTIFICATION_NAMES.
 */
export const Methods = Object.freeze(
  Object.fromEntries(
    Object.entries({ ...REQUEST_NAMES, ...NOTIFICATION_NAMES }).map(([key, method]) => [
      key,
      Object.freeze({ method }),
    ]),
  ),
) as MethodRefs;
