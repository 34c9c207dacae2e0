/**
 * The JSON-RPC 2.0 pieces of the client's connection (rpc-channel.ts): the error of an error reply and the
 * codes the client uses. The client has its own small implementation rather than vscode-jsonrpc's
 * MessageConnection, which a cold `tend ps` spent ~6.6 ms of CPU loading and ~4 ms compiling its first
 * request through (issue 13); the daemon still uses vscode-jsonrpc.
 */

/**
 * vscode-jsonrpc's codes for a request that died with its connection, which toTendError still recognizes
 * (callers may hand it vscode-jsonrpc's errors). The JSON-RPC 2.0 codes are the protocol's `ErrorCode`.
 */
export const ErrorCodes = {
  /** vscode-jsonrpc: a write failed (a request that died with its connection). */
  MessageWriteError: -32099,
  /** vscode-jsonrpc: pending request rejected because the connection was disposed. */
  PendingResponseRejected: -32097,
  /** vscode-jsonrpc: request sent on a connection no longer listening. */
  ConnectionInactive: -32096,
} as const;

/**
 * The daemon's error reply to a request, `{code, message, data?}` (JSON-RPC 2.0 §5.1), as an Error.
 * RpcChannel maps it to a TendError (error-mapping.ts), which keeps it as `cause`.
 */
export class ResponseError extends Error {
  override name = 'ResponseError';
  /** The reply's `error.code`: the daemon's application code (1xxx–4xxx) or a JSON-RPC code (-32xxx). */
  readonly code: number;
  /** The reply's `error.data` (tend's carries `reason`), if any. */
  readonly data?: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

/** An id of a request; the client sends numbers, the daemon echoes them (null when it could not read one). */
export type RequestId = number | string | null;

/** A response as it arrives: `result` on success, `error` on failure. */
export interface ResponseMessage {
  jsonrpc: '2.0';
  id: RequestId;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown } | null;
}

/** A request (with `id`) or notification (without) as it arrives. */
export interface RequestMessage {
  jsonrpc: '2.0';
  id?: RequestId;
  method: string;
  params?: unknown;
}
