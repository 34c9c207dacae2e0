import { appendFileSync, readFileSync } from 'node:fs';
import type { DaemonSocketOptions } from './daemon-socket.js';
import { describeSpawned, spawnDaemon, type SpawnedDaemon } from './daemon-spawn.js';
import { SYSTEMD_SCOPE_ENV, systemdScopeCommand } from './systemd-scope.js';

// What daemon-socket.ts uses of the start path comes through this module, which it imports lazily.
export { describeSpawned } from './daemon-spawn.js';
export { BadScopeSettingError } from './systemd-scope.js';

/**
 * Spawns the daemon (`command`, its argv): in a delegated systemd scope when `inScope` and
 * {@link systemdScopeCommand} finds a systemd user manager, else plainly. `failedScope` is the
 * scope attempt this plain start replaces: a line saying so is appended to the daemon log, and the
 * result's `scopeFailure` keeps it for error messages.
 * @throws BadScopeSettingError when TEND_SYSTEMD_SCOPE is neither 0 nor 1 (naming the value), or an
 *   errno Error when the state directory or the log cannot be created or opened (as spawnDaemon).
 */
export function startDaemon(
  options: Pick<DaemonSocketOptions, 'env' | 'stateDir' | 'logPath'>,
  command: readonly string[],
  inScope: boolean,
  failedScope?: SpawnedDaemon,
): SpawnedDaemon {
  const scoped = inScope ? systemdScopeCommand(command, options.env) : undefined;
  let scopeFailure: string | undefined;
  if (failedScope) {
    scopeFailure =
      `${describeSpawned(failedScope, command) || 'the daemon started through systemd-run did not serve'} ` +
      '(systemd-run could not make the scope, e.g. no user bus; its message, if any, is in the daemon log); ' +
      `started the daemon again without a systemd scope (${SYSTEMD_SCOPE_ENV}=0 skips the scope)`;
    try {
      appendFileSync(options.logPath, `tend client: ${scopeFailure}\n`);
    } catch {
      // The log cannot be written (full disk): scopeFailure still reaches the error text.
    }
  }
  const spawned = spawnDaemon({
    command: scoped ?? command,
    env: options.env,
    stateDir: options.stateDir,
    logPath: options.logPath,
  });
  spawned.command = scoped ?? command;
  if (scoped) {
    spawned.inScope = true;
    spawned.spawnedAt = Date.now();
  }
  if (scopeFailure) spawned.scopeFailure = scopeFailure;
  return spawned;
}

/**
 * True when `spawned` went through systemd-run and ended (or could not be run) without serving and
 * without a start error of the daemon's own: systemd-run failed before it executed the daemon.
 * (A daemon that lost the start race to another ends the same way; starting it plainly then loses
 * that race again, which is harmless.)
 */
export function scopeFailed(spawned: SpawnedDaemon): boolean {
  if (spawned.inScope !== true) return false;
  if (spawned.error !== undefined) return true;
  // Exit can be seen before the pipe is drained: judge only once the start error, if any, is all read.
  return spawned.exit !== undefined && spawned.statusClosed === true && spawned.startError.trim() === '';
}

/** How long systemd-run may take to make the scope before the client gives up on it, in ms (it takes ~0.1 s). */
export const SCOPE_PATIENCE_MS = 3_000;

/**
 * True when `spawned` went through systemd-run, has not exited, and after `patienceMs` is still
 * systemd-run, not yet the daemon: its /proc/<pid>/cmdline still holds systemd-run's unique
 * `--unit=` argument (after the exec it is the daemon's argv). A user manager that does not
 * answer would otherwise keep systemd-run waiting on its bus call (25 s in sd-bus) past the
 * client's connect budget, and leave the user without a daemon.
 */
export function scopeStalled(spawned: SpawnedDaemon, patienceMs: number, now = Date.now()): boolean {
  if (spawned.inScope !== true || spawned.exit || spawned.pid === undefined) return false;
  if (now < (spawned.spawnedAt ?? now) + patienceMs) return false;
  const unitArg = spawned.command?.find((arg) => arg.startsWith('--unit='));
  try {
    return (
      unitArg !== undefined &&
      readFileSync(`/proc/${spawned.pid}/cmdline`, 'utf8').split('\0').includes(unitArg)
    );
  } catch {
    return false;
  }
}

/**
 * Ends `spawned` (our own child, by its pid, SIGKILL: it is still systemd-run, see
 * {@link scopeStalled}) and notes it as exited, so that a plain start can replace it.
 */
export function abandonScope(spawned: SpawnedDaemon): void {
  if (spawned.pid === undefined) return;
  try {
    process.kill(spawned.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  spawned.exit ??= { code: null, signal: 'SIGKILL' };
}
