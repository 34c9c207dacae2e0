import { execFile } from 'node:child_process';

/** How a command ended: its exit status (null when it was killed or could not start) and its output. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` to its end without a shell and resolves (never rejects) with its exit status and
 * output; a command that cannot start or outlives `timeoutMs` (ms; then SIGTERM) resolves with `code: null`
 * and the error in `stderr`. Output beyond 64 MiB per stream ends it too.
 */
export function runToExit(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const { timeoutMs, ...rest } = options;
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { ...rest, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({
          code,
          stdout,
          stderr: stderr || (error && typeof error.code !== 'number' ? String(error) : ''),
        });
      },
    );
  });
}
