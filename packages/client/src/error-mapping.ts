import { ErrorCode, ErrorReason } from '@tend/protocol/wire';
import { ErrorCodes } from './jsonrpc.js';
import {
  AmbiguousIdError,
  ConnectionClosedError,
  DiskFullError,
  InvalidCwdError,
  InvalidParamsError,
  LimitExceededError,
  LimitUnavailableError,
  NameInUseError,
  NotRunningError,
  ProtocolMismatchError,
  SignalFailedError,
  TaskLiveError,
  TaskNotFoundError,
  TendError,
  type TendErrorInit,
} from './errors.js';

type ReasonErrorClass = new (message: string, init?: TendErrorInit) => TendError;

// The dispatch table: one class per stable reason; reasons without a class become a plain TendError.
const BY_REASON: Record<string, ReasonErrorClass> = {
  task_not_found: TaskNotFoundError,
  ambiguous_id: AmbiguousIdError,
  not_running: NotRunningError,
  task_live: TaskLiveError,
  name_in_use: NameInUseError,
  invalid_cwd: InvalidCwdError,
  limit_exceeded: LimitExceededError,
  signal_failed: SignalFailedError,
  limit_unavailable: LimitUnavailableError,
  disk_full: DiskFullError,
  protocol_mismatch: ProtocolMismatchError,
  invalid_params: InvalidParamsError,
};

// Reason of a code, for replies whose data carries none (e.g. made by a JSON-RPC library).
const REASON_BY_CODE = new Map<number, string>([
  ...Object.entries(ErrorReason).map(([reason, code]) => [code, reason] as [number, string]),
  [ErrorCode.ParseError, 'parse_error'],
  [ErrorCode.InvalidRequest, 'invalid_request'],
]);

// vscode-jsonrpc's codes for a request that died with its connection (its lib/common/messages.js), for the
// errors of a caller's own vscode-jsonrpc connection: the client's own channel rejects with ConnectionClosedError.
const CONNECTION_CODES = new Set<number>([
  ErrorCodes.PendingResponseRejected,
  ErrorCodes.MessageWriteError,
  ErrorCodes.ConnectionInactive,
]);

/** An error reply as an Error: the client's ResponseError (jsonrpc.ts), or another JSON-RPC library's (vscode-jsonrpc's). */
interface ResponseErrorLike extends Error {
  code: number;
  data?: unknown;
}

function isResponseErrorLike(error: unknown): error is ResponseErrorLike {
  // An integer code: errno errors (ECONNRESET…) carry strings.
  return error instanceof Error && Number.isInteger((error as { code?: unknown }).code);
}

/**
 * Converts the error of a JSON-RPC error reply into a {@link TendError}: the client's `ResponseError`
 * (jsonrpc.ts), or any Error with an integer `code` and optional `data` (so vscode-jsonrpc's
 * `ResponseError` too) becomes the class of its `data.reason` (else of its code), keeping the daemon's
 * message, code and data and the original as `cause`; one of vscode-jsonrpc's codes for a request that
 * died with its connection (-32099, -32097, -32096) becomes a {@link ConnectionClosedError}. A TendError
 * and anything else are returned unchanged.
 * @param method the method name, quoted in connection-closed messages.
 */
export function toTendError(error: unknown, method: string): unknown {
  if (error instanceof TendError) return error;
  if (!isResponseErrorLike(error)) return error;
  if (CONNECTION_CODES.has(error.code)) {
    return new ConnectionClosedError(`connection to the tend daemon closed before ${method} was answered`, {
      cause: error,
    });
  }
  const data: unknown = error.data;
  const sentReason = (data as { reason?: unknown } | null | undefined)?.reason;
  const reason = typeof sentReason === 'string' ? sentReason : (REASON_BY_CODE.get(error.code) ?? 'unknown');
  const init: TendErrorInit = { cause: error, data };
  const ErrorClass = BY_REASON[reason];
  if (ErrorClass) return new ErrorClass(error.message, init);
  return new TendError(error.message, error.code, reason, init);
}
