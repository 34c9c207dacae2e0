/**
 * Application error codes carried by JSON-RPC error responses. They sit outside
 * the range JSON-RPC 2.0 reserves (-32768..-32000): 1xxx daemon, 2xxx task,
 * 3xxx process, 4xxx store (docs/design.md, "Protocol"). The stable string a client
 * should switch on is `data.reason`; codes group reasons by layer. Only errors the
 * daemon raises are listed (docs/protocol.md, "Errors"); a removed code is not reused
 * (1003 shutting_down, 3001 spawn_failed and 4001 store_failed were never raised).
 */
export const ErrorCode = {
  /** The connection has not sent `daemon/initialize` yet. */
  NotInitialized: 1001,
  /** The client speaks a protocol the daemon does not. */
  ProtocolMismatch: 1002,
  /** No task matches the given id, prefix or name. */
  TaskNotFound: 2001,
  /** An id prefix matches several tasks. */
  AmbiguousId: 2002,
  /** The task is not running (kill of an ended task). */
  NotRunning: 2003,
  /** The task is still live (remove without force). */
  TaskLive: 2004,
  /** A live task already has that name. */
  NameInUse: 2005,
  /** The working directory does not exist or is not a directory. */
  InvalidCwd: 2006,
  /** A configured limit was reached (for example the number of live tasks). */
  LimitExceeded: 2007,
  /** The name cannot be used: it equals another task's id, which it would shadow. */
  InvalidName: 2008,
  /** The task's process group did not end after SIGKILL (task/remove with force). */
  SignalFailed: 3002,
  /**
   * A resource limit asked for (task/run memoryMaxBytes, pidsMax) cannot be enforced: the daemon has no
   * cgroup containment, or its cgroup root lacks the controller (memory, pids).
   */
  LimitUnavailable: 3003,
  /** The filesystem of tend's state directory is full (ENOSPC, SQLITE_FULL): no new task until space is freed. */
  DiskFull: 4002,
  /** JSON-RPC 2.0 standard codes, used as the spec defines them. */
  ParseError: -32700,
  InvalidRequest: -32600,
  /** No such method (the daemon's reply carries `data.reason` `method_not_found`). */
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;

/** Stable machine-readable reasons, sent in an error's `data.reason`. */
export const ErrorReason = {
  not_initialized: ErrorCode.NotInitialized,
  protocol_mismatch: ErrorCode.ProtocolMismatch,
  task_not_found: ErrorCode.TaskNotFound,
  ambiguous_id: ErrorCode.AmbiguousId,
  not_running: ErrorCode.NotRunning,
  task_live: ErrorCode.TaskLive,
  name_in_use: ErrorCode.NameInUse,
  invalid_cwd: ErrorCode.InvalidCwd,
  limit_exceeded: ErrorCode.LimitExceeded,
  invalid_name: ErrorCode.InvalidName,
  signal_failed: ErrorCode.SignalFailed,
  limit_unavailable: ErrorCode.LimitUnavailable,
  disk_full: ErrorCode.DiskFull,
  method_not_found: ErrorCode.MethodNotFound,
  invalid_params: ErrorCode.InvalidParams,
  internal_error: ErrorCode.InternalError,
} as const;

/** One of the stable reason strings of {@link ErrorReason}. */
export type ErrorReasonName = keyof typeof ErrorReason;

/**
 * Shape of `error.data` on the daemon's error responses. Errors made by the JSON-RPC layer itself
 * (-32700 parse error, -32600 invalid request) may come without `data`.
 */
export interface ErrorData {
  reason: ErrorReasonName;
  /** Extra facts for the reason, e.g. `candidates` for `ambiguous_id`. */
  [key: string]: unknown;
}

/**
 * Reasons any request may answer with besides those its method object lists in `errors`
 * (docs/protocol.md, "Requests"): bad params, a bug in the daemon, too many requests in flight
 * on the connection, no handshake yet (all but daemon/initialize), and a full disk (requests
 * that write to the task database).
 */
export const COMMON_ERROR_REASONS = [
  'invalid_params',
  'internal_error',
  'limit_exceeded',
  'not_initialized',
  'disk_full',
] as const satisfies readonly ErrorReasonName[];
