// Kept free of imports: `--help` and usage errors load this module, and nothing heavier.

/** Exit codes of the `tend` binary (also listed in `tend --help`). */
export const ExitCode = {
  /** The command did what was asked. */
  Ok: 0,
  /** `logs --grep` matched no line (as grep(1)). */
  NoMatch: 1,
  /** `wait --timeout` passed before the task ended (as timeout(1) does). */
  Timeout: 124,
  /** tend itself failed: daemon unreachable, bad arguments, unknown id, lost task… */
  TendFailure: 125,
} as const;

/** Offset added to a signal number to make an exit status, as POSIX shells do (128 + N). */
export const SIGNAL_EXIT_BASE = 128;
