/**
 * A failure of tend itself that the user can fix (bad argument, unknown signal,
 * lost task…): printed as `tend: <message>` on stderr, exit code 125 unless
 * `exitCode` says otherwise.
 */
export class CliError extends Error {
  override name = 'CliError';
  /** Process exit code to use; 125 (tend's own failure) by default. */
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 125;
  }
}
