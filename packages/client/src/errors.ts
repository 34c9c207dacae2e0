import { ErrorCode } from '@tend/protocol/wire';

/** What every {@link TendError} constructor accepts besides the message. */
export interface TendErrorInit {
  /** The error that caused this one (the daemon's error reply as a `ResponseError`, an errno error…). */
  cause?: unknown;
  /** `error.data` of the daemon's response, when there was one. */
  data?: unknown;
}

/**
 * Codes of errors the client raises itself (no daemon reply). They reuse
 * vscode-jsonrpc's own codes in the JSON-RPC implementation-defined range
 * (`ErrorCodes.ConnectionInactive` = -32096, `PendingResponseRejected` = -32097),
 * so they never collide with the daemon's application codes (1xxx–4xxx).
 */
export const ClientErrorCode = {
  DaemonUnreachable: -32096,
  ConnectionClosed: -32097,
  /** config.json is bad, so no daemon was started (checked by the client; not one of vscode-jsonrpc's codes). */
  InvalidConfig: -32095,
  /** `ssh` to a remote host failed (host key, authentication, unknown host, no tend there); see {@link RemoteHostError}. */
  RemoteHost: -32094,
} as const;

/**
 * Base of every error the client throws for a daemon answer or a connection
 * problem. Switch on `reason` (stable strings, the daemon's `data.reason`) or on
 * the subclass; `code` is the JSON-RPC error code, `data` the response's `error.data`.
 */
export class TendError extends Error {
  override name = 'TendError';
  /** JSON-RPC error code: the daemon's application code (1xxx–4xxx), -326xx, or a {@link ClientErrorCode}. */
  readonly code: number;
  /** Stable machine-readable reason, e.g. `task_not_found`; `unknown` when the daemon sent none. */
  readonly reason: string;
  /** `error.data` as the daemon sent it (includes `reason`), if any. */
  readonly data?: unknown;

  constructor(message: string, code: number, reason: string, init: TendErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.reason = reason;
    if (init.data !== undefined) this.data = init.data;
  }
}

/** No task matches the id, id prefix or name (`task_not_found`, 2001). */
export class TaskNotFoundError extends TendError {
  override name = 'TaskNotFoundError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.TaskNotFound, 'task_not_found', init);
  }
}

/** An id prefix matches several tasks (`ambiguous_id`, 2002); give more characters. */
export class AmbiguousIdError extends TendError {
  override name = 'AmbiguousIdError';
  /** Ids of the matching tasks, from `data.candidates` (empty when the daemon sent none). */
  readonly candidates: string[];
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.AmbiguousId, 'ambiguous_id', init);
    const candidates = (init?.data as { candidates?: unknown } | undefined)?.candidates;
    this.candidates = Array.isArray(candidates)
      ? candidates.filter((c): c is string => typeof c === 'string')
      : [];
  }
}

/** The task has already ended, so it cannot be signalled (`not_running`, 2003). */
export class NotRunningError extends TendError {
  override name = 'NotRunningError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.NotRunning, 'not_running', init);
  }
}

/** The task is still live; kill it first or remove with `force` (`task_live`, 2004). */
export class TaskLiveError extends TendError {
  override name = 'TaskLiveError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.TaskLive, 'task_live', init);
  }
}

/** A live task already has that name (`name_in_use`, 2005). */
export class NameInUseError extends TendError {
  override name = 'NameInUseError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.NameInUse, 'name_in_use', init);
  }
}

/** The working directory does not exist or is not a directory (`invalid_cwd`, 2006). */
export class InvalidCwdError extends TendError {
  override name = 'InvalidCwdError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.InvalidCwd, 'invalid_cwd', init);
  }
}

/** A configured limit was reached, e.g. the number of live tasks (`limit_exceeded`, 2007). */
export class LimitExceededError extends TendError {
  override name = 'LimitExceededError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.LimitExceeded, 'limit_exceeded', init);
  }
}

/** A force-removed task did not end within 10 s of SIGKILL, so it was not removed (`signal_failed`, 3002). */
export class SignalFailedError extends TendError {
  override name = 'SignalFailedError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.SignalFailed, 'signal_failed', init);
  }
}

/**
 * A resource limit of task/run (memoryMaxBytes, pidsMax) cannot be enforced (`limit_unavailable`, 3003):
 * the daemon has no cgroup containment, or its cgroup root lacks the controller; `data.controllers`
 * names them. No task was created.
 */
export class LimitUnavailableError extends TendError {
  override name = 'LimitUnavailableError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.LimitUnavailable, 'limit_unavailable', init);
  }
}

/** The filesystem of the daemon's state directory is full (`disk_full`, 4002); `data.path` names it. Reads still work. */
export class DiskFullError extends TendError {
  override name = 'DiskFullError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.DiskFull, 'disk_full', init);
  }
}

/**
 * Client and daemon speak incompatible protocol versions (`protocol_mismatch`,
 * 1002): the daemon refused an older client (upgrade the client), or a daemon
 * restarted for being older still speaks an older protocol (upgrade the daemon).
 */
export class ProtocolMismatchError extends TendError {
  override name = 'ProtocolMismatchError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.ProtocolMismatch, 'protocol_mismatch', init);
  }
}

/** The daemon rejected the params (-32602, `invalid_params`); the message quotes the field and what was wrong. */
export class InvalidParamsError extends TendError {
  override name = 'InvalidParamsError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ErrorCode.InvalidParams, 'invalid_params', init);
  }
}

/** Facts carried by a {@link DaemonUnreachableError}. */
export interface DaemonUnreachableInit extends TendErrorInit {
  /** Socket the client tried. */
  socketPath: string;
  /** The daemon log whose tail is quoted, if it exists. */
  logPath?: string;
  /** Last lines of the daemon log (oldest first), appended to the message. */
  logTail?: string[];
}

/**
 * No daemon answered on the socket before the connect deadline (or none could
 * be started). The message says why and ends with the last lines of the daemon
 * log (`<state>/daemon.log`) when that file exists and is not empty.
 */
export class DaemonUnreachableError extends TendError {
  override name = 'DaemonUnreachableError';
  readonly socketPath: string;
  readonly logPath?: string;
  readonly logTail: string[];
  constructor(message: string, init: DaemonUnreachableInit) {
    const tail = init.logTail ?? [];
    const quoted =
      tail.length > 0 && init.logPath ? `\nLast lines of ${init.logPath}:\n${tail.join('\n')}` : '';
    super(message + quoted, ClientErrorCode.DaemonUnreachable, 'daemon_unreachable', init);
    this.socketPath = init.socketPath;
    if (init.logPath !== undefined) this.logPath = init.logPath;
    this.logTail = tail;
  }
}

/** The connection to the daemon was closed (by `close()` or lost) before the reply came. */
export class ConnectionClosedError extends TendError {
  override name = 'ConnectionClosedError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ClientErrorCode.ConnectionClosed, 'connection_closed', init);
  }
}

/**
 * The daemon was stopped on purpose (`tend daemon stop`, SIGTERM; daemon/shutdown without `restart`) while
 * this client was connected (`daemon_stopped`): the client does not reconnect, which would start a
 * new daemon. Tasks keep running; connect again to carry on. Its code is ConnectionClosed's.
 */
export class DaemonStoppedError extends TendError {
  override name = 'DaemonStoppedError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ClientErrorCode.ConnectionClosed, 'daemon_stopped', init);
  }
}

/**
 * config.json (`$XDG_CONFIG_HOME/tend/` or `$TEND_HOME/config/`) is unreadable, not JSON or
 * breaks the schema, so the client did not start a daemon (`invalid_config`). `data` holds
 * `path` and `issues: [{key?, value?, message}]`; the message names the file, each key and what is allowed.
 */
export class InvalidConfigError extends TendError {
  override name = 'InvalidConfigError';
  constructor(message: string, init?: TendErrorInit) {
    super(message, ClientErrorCode.InvalidConfig, 'invalid_config', init);
  }
}

/** What {@link RemoteHostError} knows besides its message. */
export interface RemoteHostErrorInit extends TendErrorInit {
  /** The host as given, `ssh://[user@]host[:port]`. */
  host: string;
  /** ssh's exit status (255: ssh itself failed; 127: the remote command was not found), or null when killed. */
  exitCode: number | null;
  /** The last lines ssh (and the remote command) wrote to stderr. */
  stderr: string;
}

/**
 * The connection to a remote host's daemon over `ssh` could not be made (`remote_host`): an unknown
 * or changed host key, failed authentication, a host that does not resolve or answer, or no `tend`
 * on the remote PATH. The message quotes ssh's own words (its stderr); `exitCode` is ssh's exit status.
 */
export class RemoteHostError extends TendError {
  override name = 'RemoteHostError';
  readonly host: string;
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(message: string, init: RemoteHostErrorInit) {
    super(message, ClientErrorCode.RemoteHost, 'remote_host', {
      ...init,
      data: { reason: 'remote_host', host: init.host, sshExitCode: init.exitCode },
    });
    this.host = init.host;
    this.exitCode = init.exitCode;
    this.stderr = init.stderr;
  }
}
