import { appendFileSync } from 'node:fs';
import type { DaemonSocketOptions } from './daemon-socket.js';
import { describeSpawned, spawnDaemon, type SpawnedDaemon } from './daemon-spawn.js';
import { SYSTEMD_SCOPE_ENV, systemdScopeCommand } from './systemd-scope.js';

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
  if (scoped) spawned.inScope = true;
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
