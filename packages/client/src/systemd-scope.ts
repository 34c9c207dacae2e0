import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Environment variable that turns the systemd scope off: `TEND_SYSTEMD_SCOPE=0`. Unset, empty or
 * `1`: a daemon the client starts goes into a delegated scope when a systemd user manager is there.
 */
export const SYSTEMD_SCOPE_ENV = 'TEND_SYSTEMD_SCOPE';

/** TEND_SYSTEMD_SCOPE holds a value other than 0 or 1; the message names it. */
export class BadScopeSettingError extends Error {
  override name = 'BadScopeSettingError';
}

/**
 * The argv that starts `command` (the daemon's argv) in a transient systemd scope of the user's
 * service manager with `Delegate=yes`, so that the daemon gets a cgroup it may write (its own
 * cgroup, delegated to the user: https://systemd.io/CGROUP_DELEGATION/) and can put each task in
 * its own cgroup; undefined when no scope should or can be made. Spawns nothing: it looks for
 * `systemd-run` on `env.PATH` and for the user manager's private socket
 * `$XDG_RUNTIME_DIR/systemd/private`, which every `systemd --user` creates (the user instance's
 * counterpart of `/run/systemd/private`, systemd(1) "Sockets and FIFOs":
 * https://www.freedesktop.org/software/systemd/man/latest/systemd.html; `systemctl --user` and
 * `systemd-run --user` talk to the manager through it), and honours {@link SYSTEMD_SCOPE_ENV}.
 *
 * With `--scope`, systemd-run registers the scope over the bus and then execs the command itself
 * (systemd-run(1), "If a command is run as transient scope unit, it will be executed by
 * systemd-run itself as parent process": https://www.freedesktop.org/software/systemd/man/latest/systemd-run.html),
 * so the spawned pid becomes the daemon's, and inherited file descriptors (the start-status pipe,
 * fd 3) stay open: systemd-run's execvpe() does not close them. Flags, all in systemd ≥ 240:
 * `--user`, `--scope`, `--quiet` (no "Running scope as unit" line in the daemon log), `--collect`
 * (`-G`, unload the unit even when it failed; systemd 236 NEWS, "CollectMode="), `-p Delegate=yes`,
 * `--unit=` (a name the user can find with `systemctl --user status 'tend-daemon-*'`).
 * @param env the daemon's environment (PATH, XDG_RUNTIME_DIR, TEND_SYSTEMD_SCOPE).
 * @param uid numeric user id, part of the unit name.
 * @throws BadScopeSettingError when TEND_SYSTEMD_SCOPE is set to something other than 0 or 1, naming the value.
 */
export function systemdScopeCommand(
  command: readonly string[],
  env: Record<string, string | undefined>,
  uid: number = process.getuid?.() ?? 0,
): string[] | undefined {
  const setting = env[SYSTEMD_SCOPE_ENV] ?? '';
  if (setting !== '' && setting !== '0' && setting !== '1') {
    throw new BadScopeSettingError(
      `${SYSTEMD_SCOPE_ENV}=${JSON.stringify(setting)} is not understood: use 0 (start the daemon without a ` +
        'systemd scope) or 1 (the default: in a delegated scope when a systemd user manager is there)',
    );
  }
  if (setting === '0') return undefined;
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (!runtimeDir || !isAbsolute(runtimeDir) || !existsSync(join(runtimeDir, 'systemd', 'private')))
    return undefined;
  const systemdRun = findExecutable('systemd-run', env.PATH);
  if (systemdRun === undefined) return undefined;
  const unit = `tend-daemon-${uid}-${randomBytes(3).toString('hex')}.scope`;
  return [
    systemdRun,
    '--user',
    '--scope',
    '--quiet',
    '--collect',
    '-p',
    'Delegate=yes',
    `--unit=${unit}`,
    '--',
    ...command,
  ];
}

/**
 * The first executable regular file called `name` in the directories of `path` (a PATH value,
 * `:`-separated; empty and relative entries are skipped, as they would depend on the cwd), or
 * undefined. Checks with access(X_OK) as execvp(3) would, without running anything.
 */
export function findExecutable(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not there or not executable: try the next directory.
    }
  }
  return undefined;
}
