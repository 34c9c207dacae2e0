/**
 * A failure of tend itself that the user can fix (bad argument, unknown signal,
 * lost task…): printed as `tend: <message>` on stderr (and, with `--json`, as
 * `{"error": {"reason", "message", …}}` on stdout), exit code 125 unless
 * `exitCode` says otherwise.
 */
export class CliError extends Error {
  override name = 'CliError';
  /** Process exit code to use; 125 (tend's own failure) by default. */
  readonly exitCode: number;
  /** Stable machine-readable reason for `--json` (default `invalid_argument`), e.g. `task_lost`. */
  readonly reason: string;
  /** More facts for `--json`, merged into the error object. */
  readonly data?: Record<string, unknown>;

  constructor(
    message: string,
    options: { exitCode?: number; cause?: unknown; reason?: string; data?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 125;
    this.reason = options.reason ?? 'invalid_argument';
    if (options.data !== undefined) this.data = options.data;
  }
}
