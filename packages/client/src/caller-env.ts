import { readFileSync } from 'node:fs';

/** What {@link callerEnvironment} returns: task/run params that make a task run as `cmd &` would in this process. */
export interface CallerEnvironment {
  /** This process's environment (variables with a value). */
  capturedEnv: Record<string, string>;
  /** false: the daemon's own environment is not laid under capturedEnv. */
  inheritEnv: boolean;
  /** This process's umask, octal digits such as "0022". */
  umask: string;
}

/**
 * task/run params that give a task this process's environment and umask, the
 * way the `tend` CLI starts every task: `client.run({ command, ...callerEnvironment() })`
 * (the cwd already defaults to `process.cwd()`). Without them a task gets the
 * daemon's environment and umask, which belong to whoever started the daemon.
 * With `{ overDaemon: true }` the daemon's environment stays under this one
 * (what `tend mcp` does, so that a variable its host dropped, such as PATH or
 * HOME, still reaches the task).
 * @param env the variables to capture (default `process.env`); undefined values are left out.
 */
export function callerEnvironment(
  options: { env?: NodeJS.ProcessEnv; overDaemon?: boolean } = {},
): CallerEnvironment {
  const capturedEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env ?? process.env))
    if (value !== undefined) capturedEnv[key] = value;
  return { capturedEnv, inheritEnv: options.overDaemon ?? false, umask: currentUmask() };
}

/**
 * This process's umask as 4 octal digits ("0022"): the `Umask:` line of
 * /proc/self/status (Linux ≥ 4.7, proc(5)), which reads it without changing it;
 * elsewhere `process.umask()` (documented as deprecated, DEP0139, because
 * reading it there means setting it twice).
 */
export function currentUmask(): string {
  try {
    const line = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (line?.[1]) return line[1].padStart(4, '0');
  } catch {
    // not Linux, or no /proc: below
  }
  return process.umask().toString(8).padStart(4, '0');
}
