// The one list of the protocol's method names. Plain strings, no zod: wire.ts
// builds its method references from it without loading the schemas, the method
// objects (methods/*.ts) take their `method` from it, and the daemon's handler
// table is keyed by it (packages/daemon/src/server/handlers/index.ts).
// A new method starts here (CONTRIBUTING.md lists the other places).

/**
 * Every request method, by the name of its method object, in documentation
 * order (docs/protocol.md, "Requests"). Names are `namespace/verb`.
 */
export const REQUEST_NAMES = {
  DaemonInitialize: 'daemon/initialize',
  DaemonStatus: 'daemon/status',
  DaemonShutdown: 'daemon/shutdown',
  TaskRun: 'task/run',
  TaskList: 'task/list',
  TaskGet: 'task/get',
  TaskOutput: 'task/output',
  TaskWait: 'task/wait',
  TaskKill: 'task/kill',
  TaskRestart: 'task/restart',
  TaskRemove: 'task/remove',
  TaskPrune: 'task/prune',
  TaskCompletions: 'task/completions',
  TaskStats: 'task/stats',
  ProjectUp: 'project/up',
  ProjectDown: 'project/down',
} as const;

/**
 * Every notification, by the name of its method object, in documentation order
 * (docs/protocol.md, "Notifications"). Sent by the daemon only; names are past tense.
 */
export const NOTIFICATION_NAMES = {
  TaskDidChange: 'task/didChange',
  TaskDidExit: 'task/didExit',
  ProjectDidProgress: 'project/didProgress',
} as const;

/** The key of a request in {@link REQUEST_NAMES}, e.g. `TaskRun`. */
export type RequestKey = keyof typeof REQUEST_NAMES;
/** The key of a notification in {@link NOTIFICATION_NAMES}, e.g. `TaskDidExit`. */
export type NotificationKey = keyof typeof NOTIFICATION_NAMES;
/** A request method's name, e.g. `'task/run'`. */
export type RequestName = (typeof REQUEST_NAMES)[RequestKey];
/** A notification's name, e.g. `'task/didExit'`. */
export type NotificationName = (typeof NOTIFICATION_NAMES)[NotificationKey];
