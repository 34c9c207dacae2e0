import { callerEnvironment } from '@tend/client';
import { MAX_COMMAND_ENV_BYTES, MAX_ENV_ENTRY_BYTES, MAX_ENV_VARS } from '@tend/protocol/wire';
import { parseEnvFile } from './env-file.js';
import { CliError } from './errors.js';

/** The environment options of `tend run`, as commander parsed them. */
export interface EnvOptions {
  /** `-e` variables (already resolved: a bare KEY took this process's value). */
  env?: Record<string, string>;
  /** `--env-file` paths, in order. */
  envFile?: string[];
  /** `--env-from`: `caller` (the default for the local daemon; `local` is the same) or `daemon` (the default for a remote host). */
  envFrom?: string;
}

/** The task/run params that set a task's environment and umask. */
export interface TaskEnvironmentParams {
  env?: Record<string, string>;
  capturedEnv?: Record<string, string>;
  inheritEnv?: boolean;
  umask?: string;
}

/**
 * The environment part of `tend run`'s task/run request. With `--env-from
 * caller` (or `local`; the default for the local daemon) the task gets this process's environment and umask
 * (`capturedEnv`, `umask`, `inheritEnv: false`), as `cmd &` in the same shell
 * would; with `--env-from daemon` (the default when `remote`: this machine's PATH and toolchain mean
 * nothing on another one), the daemon's (only the overrides are sent).
 * Overrides (`env`): the `--env-file` files in order, then `-e` over them.
 * Checked here against task/run's limits so that an oversized environment is
 * refused with advice instead of an invalid_params naming a field.
 * @throws CliError (reason invalid_env) for a bad --env-from, an unreadable or
 *   malformed --env-file (naming file and line), or an environment over the limits.
 */
export function taskEnvironment(command: string, options: EnvOptions, remote = false): TaskEnvironmentParams {
  const given = options.envFrom ?? (remote ? 'daemon' : 'caller');
  if (given !== 'caller' && given !== 'local' && given !== 'daemon') {
    throw new CliError(`--env-from must be "caller" (or "local") or "daemon", not "${given}"`, {
      reason: 'invalid_env',
    });
  }
  const from = given === 'local' ? 'caller' : given;
  const overrides: Record<string, string> = {};
  for (const path of options.envFile ?? []) {
    try {
      Object.assign(overrides, parseEnvFile(path));
    } catch (err) {
      throw new CliError((err as Error).message, { cause: err, reason: 'invalid_env' });
    }
  }
  Object.assign(overrides, options.env);
  const params: TaskEnvironmentParams = from === 'caller' ? callerEnvironment() : {};
  if (Object.keys(overrides).length > 0) params.env = overrides;
  checkLimits(command, params);
  return params;
}

/** task/run's limits (@tend/protocol field-limits.ts), checked without loading zod at CLI start. */
function checkLimits(command: string, params: TaskEnvironmentParams): void {
  const hint = params.capturedEnv ? '; unset large variables in this shell, or use --env-from daemon' : '';
  const merged = { ...params.capturedEnv, ...params.env };
  const count = Object.keys(merged).length;
  if (count > MAX_ENV_VARS) {
    throw new CliError(
      `the task's environment would hold ${count} variables; at most ${MAX_ENV_VARS}${hint}`,
      { reason: 'invalid_env' },
    );
  }
  let total = Buffer.byteLength(command) + 1;
  for (const [key, value] of Object.entries(merged)) {
    const bytes = Buffer.byteLength(key) + 1 + Buffer.byteLength(value);
    if (bytes > MAX_ENV_ENTRY_BYTES) {
      throw new CliError(
        `variable ${key} is ${bytes} bytes as KEY=value; at most ${MAX_ENV_ENTRY_BYTES} (the kernel's limit on one variable)${hint}`,
        {
          reason: 'invalid_env',
        },
      );
    }
    total += bytes + 1;
  }
  if (total > MAX_COMMAND_ENV_BYTES) {
    throw new CliError(
      `the command and the task's environment take ${total} bytes; at most ${MAX_COMMAND_ENV_BYTES} (half the kernel's ARG_MAX)${hint}`,
      { reason: 'invalid_env' },
    );
  }
}
