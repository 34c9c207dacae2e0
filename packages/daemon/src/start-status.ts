import { closeSync, writeSync } from 'node:fs';

/**
 * Environment variable through which a client that spawns the daemon names a
 * pipe (a file descriptor number) for the daemon's start-up verdict: the
 * daemon writes why it could not start there, so the client can show it even
 * when the daemon log cannot be written (a full disk), and closes it once it
 * serves. Unset: no such pipe.
 */
export const START_STATUS_FD_ENV = 'TEND_STATUS_FD';

/** The start-status pipe given by the spawning client, or undefined; removes the variable so tasks never see it. */
export function takeStartStatusFd(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env[START_STATUS_FD_ENV];
  delete env[START_STATUS_FD_ENV];
  const fd = Number(value);
  return value !== undefined && Number.isInteger(fd) && fd > 2 ? fd : undefined;
}

/** Writes `message` to the start-status pipe (if any) and closes it; never throws. */
export function reportStartStatus(fd: number | undefined, message?: string): void {
  if (fd === undefined) return;
  try {
    if (message) writeSync(fd, message);
  } catch {
    // the client went away
  }
  try {
    // Closed before any task is spawned, so no task inherits it and the client sees EOF.
    closeSync(fd);
  } catch {
    // not open
  }
}

/**
 * Variable naming (comma-separated) the variables a spawner added to the daemon's environment for the daemon
 * process alone (the client's `DAEMON_ENV`, e.g. `MALLOC_ARENA_MAX`, which glibc read when this process started).
 */
export const DAEMON_ONLY_ENV = 'TEND_DAEMON_ONLY_ENV';

/**
 * Removes from `env` the variables {@link DAEMON_ONLY_ENV} names, and that variable: tasks that inherit the
 * daemon's environment get the caller's, not what was added for the daemon. Names that are not plain
 * environment variable names are ignored.
 * @returns the names removed.
 */
export function takeDaemonOnlyEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = env[DAEMON_ONLY_ENV];
  delete env[DAEMON_ONLY_ENV];
  if (list === undefined) return [];
  const names = list
    .split(',')
    .filter((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !name.startsWith('TEND_'));
  for (const name of names) delete env[name];
  return names;
}
