import { ErrorReason, type ErrorReasonName } from '@tend/protocol';

/**
 * A domain error the daemon answers with a JSON-RPC error whose code is
 * `ErrorReason[reason]` and whose `data` is `{reason, ...data}`.
 */
export class TendDaemonError extends Error {
  override name = 'TendDaemonError';
  readonly code: number;
  constructor(
    readonly reason: ErrorReasonName,
    message: string,
    readonly data: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = ErrorReason[reason];
  }
}
