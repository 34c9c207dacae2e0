import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';

// Kept free of the client, zod and commander: usage errors load this module, and so does `tend ps`'s
// fast path (fast-path.ts), which parses its options without commander.

/**
 * True for commander's errors (CommanderError and its InvalidArgumentError): they carry a `code`
 * starting with `commander.` and the `exitCode` commander would exit with. Told apart by shape, not
 * `instanceof`, so that this module does not load commander.
 */
export function isCommanderError(err: unknown): err is Error & { code: string; exitCode: number } {
  const e = err as { code?: unknown; exitCode?: unknown } | null;
  return (
    err instanceof Error &&
    typeof e?.code === 'string' &&
    e.code.startsWith('commander.') &&
    typeof e.exitCode === 'number'
  );
}

/** What `--json` prints on stdout for a failure: one object, on one line. */
export interface JsonFailure {
  error: {
    /** Stable machine-readable reason: the daemon's (`task_not_found`…), `usage`, `invalid_argument`, `invalid_config`… */
    reason: string;
    /** The same message as on stderr, without the `tend: ` prefix. */
    message: string;
    /** The exit code of this failure (125 for tend's own failures). */
    exitCode: number;
    /** More facts for the reason, e.g. `candidates` (ambiguous_id), `path` and `issues` (invalid_config). */
    [key: string]: unknown;
  };
}

/** Errno codes that mean "tend may not write there". */
const PERMISSION_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * The message to print for `err`, in the CLI's words: an errno error about a
 * path tend may not write to gets a hint to set TEND_HOME.
 */
export function messageOf(err: unknown): string {
  const message = err instanceof Error ? err.message.replace(/^error: /, '') : String(err);
  // The errno error itself (fs calls), or the cause of the client's daemon_unreachable (connect).
  const errno = [err, (err as { cause?: unknown } | null)?.cause].find(isPermissionError);
  if (errno === undefined) return message;
  const where = errno.path ?? (errno as { address?: string }).address;
  return (
    `${message}: tend cannot create or write ${where ?? 'its files there'}; set TEND_HOME to a directory you own ` +
    "(e.g. export TEND_HOME=$HOME/.tend), or fix that directory's owner and mode"
  );
}

function isPermissionError(value: unknown): value is NodeJS.ErrnoException {
  const code = (value as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && PERMISSION_CODES.has(code);
}

/** The exit code for `err`: a CliError's own, commander's (0 for --help/--version), else 125. */
export function exitCodeOfError(err: unknown): number {
  if (isCommanderError(err)) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.TendFailure;
  if (err instanceof CliError) return err.exitCode;
  return ExitCode.TendFailure;
}

/**
 * The `--json` form of a failure: `{"error": {reason, message, exitCode, …facts}}`.
 * Reasons: a CliError's; a client TendError's (`task_not_found`, `daemon_unreachable`…,
 * with the daemon's `data` facts and the JSON-RPC `code`); `usage` for commander's
 * usage errors (with its `code`, e.g. `commander.unknownOption`); `system_error`
 * for errno errors (with `errno` and `path`); else `internal_error`.
 */
export function jsonFailure(err: unknown): JsonFailure {
  const base = { message: messageOf(err), exitCode: exitCodeOfError(err) };
  if (isCommanderError(err)) return { error: { reason: 'usage', ...base, code: err.code } };
  if (err instanceof CliError) return { error: { reason: err.reason, ...base, ...err.data } };
  const tend = err as { reason?: unknown; code?: unknown; data?: unknown } | null;
  if (tend && typeof tend.reason === 'string' && typeof tend.code === 'number') {
    const data =
      typeof tend.data === 'object' && tend.data !== null ? (tend.data as Record<string, unknown>) : {};
    return { error: { ...data, reason: tend.reason, ...base, code: tend.code } };
  }
  const errno = err as NodeJS.ErrnoException | null;
  if (errno && typeof errno.code === 'string') {
    return {
      error: {
        reason: 'system_error',
        ...base,
        errno: errno.code,
        ...(errno.path ? { path: errno.path } : {}),
      },
    };
  }
  return { error: { reason: 'internal_error', ...base } };
}

/**
 * Prints a failure that is not commander's (which prints its own): `tend: <message>` on stderr (with the
 * stack when TEND_DEBUG is set) and, when `json`, the {@link jsonFailure} line on stdout.
 * @returns the exit code for it ({@link exitCodeOfError}).
 */
export function reportFailure(err: unknown, json: boolean): number {
  process.stderr.write(`tend: ${messageOf(err)}\n`);
  if (process.env.TEND_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  if (json) process.stdout.write(`${JSON.stringify(jsonFailure(err))}\n`);
  return exitCodeOfError(err);
}

/**
 * True when the arguments ask for JSON: `--json` before a `--` (after it the
 * words are a task's command line).
 */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}
