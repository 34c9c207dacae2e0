import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import type { Socket } from 'node:net';

/** What {@link spawnDaemon} needs. */
export interface DaemonSpawnOptions {
  /** argv that runs the daemon in the foreground, e.g. `[process.execPath, '/abs/daemon/dist/bin.js']`. */
  command: readonly string[];
  /**
   * Environment of the daemon (it resolves its own paths from it, e.g. TEND_HOME); {@link DAEMON_ENV}'s
   * variables are added for the daemon process alone when it lacks them.
   */
  env: Record<string, string | undefined>;
  /** Directory of the daemon log; created (recursive, mode 0700) when missing. */
  stateDir: string;
  /** File that receives the daemon's stdout and stderr, opened for append (mode 0600). */
  logPath: string;
}

/** A daemon process started by {@link spawnDaemon}; its fields fill in as events arrive. */
export interface SpawnedDaemon {
  pid: number | undefined;
  /** Set when the process has exited (a losing racer exits too, so this alone is no failure). */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** Set when the process could not be started at all (e.g. ENOENT for the executable). */
  error?: Error;
  /**
   * Why the daemon could not start, in its own words, read from its start-status
   * pipe (so it is known even when the daemon log could not be written); '' until then.
   */
  startError: string;
  /** True once the start-status pipe is closed by every process holding it (so `startError` is complete). */
  statusClosed?: boolean;
  /** The argv actually run: the daemon's, or systemd-run's followed by the daemon's. */
  command?: readonly string[];
  /** True when started through `systemd-run --scope` (systemd-scope.ts). */
  inScope?: boolean;
  /** When it was spawned through systemd-run (epoch ms). */
  spawnedAt?: number;
  /** Why an earlier start in a systemd scope was given up, when this is the plain start that replaced it. */
  scopeFailure?: string;
}

/** Environment variable naming the daemon's start-status pipe (the daemon's `START_STATUS_FD_ENV`). */
export const START_STATUS_FD_ENV = 'TEND_STATUS_FD';
/**
 * Variable through which a daemon's spawner names the variables it added to the daemon's environment for the
 * daemon process alone (comma-separated); the daemon removes them, and this one, at start, so tasks that
 * inherit its environment do not see them (the daemon's `takeDaemonOnlyEnv`).
 */
export const DAEMON_ONLY_ENV = 'TEND_DAEMON_ONLY_ENV';

/**
 * Environment the daemon process runs with unless the caller's environment sets these variables itself.
 * `MALLOC_ARENA_MAX=2` (glibc, mallopt(3) M_ARENA_MAX): at most two malloc arenas instead of 8 per core, so
 * memory freed by libuv's and V8's worker threads is reused rather than kept in arenas of their own: RSS
 * growth after 10,000 short tasks 13.5 → 8.8 MiB, of which arenas (anonymous mappings) 6.8 → 1.9 MiB (issue 13).
 */
export const DAEMON_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * `env` with {@link DAEMON_ENV}'s variables it lacks, and {@link DAEMON_ONLY_ENV} naming them: the environment
 * to spawn the daemon with. Variables `env` already sets are kept as they are (and stay in tasks' environment).
 */
export function daemonSpawnEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const added = Object.keys(DAEMON_ENV).filter((name) => env[name] === undefined);
  if (added.length === 0) return env;
  const out: Record<string, string | undefined> = { ...env, [DAEMON_ONLY_ENV]: added.join(',') };
  for (const name of added) out[name] = DAEMON_ENV[name];
  return out;
}

/** Most bytes of a start error kept. */
const MAX_START_ERROR_BYTES = 8 * 1024;

/**
 * Starts the daemon detached from this process: its own session, stdin from
 * /dev/null, stdout and stderr appended to `logPath`, and unref'd so this
 * process can exit while the daemon runs on. Does not wait for it to listen.
 * @throws Error (errno) when the state directory or the log cannot be created or opened.
 */
export function spawnDaemon(options: DaemonSpawnOptions): SpawnedDaemon {
  const [file, ...args] = options.command;
  if (file === undefined) throw new TypeError('daemonCommand must hold at least the executable');
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const fd = openSync(options.logPath, 'a', 0o600);
  try {
    // fd 3 is a pipe for the daemon's start-up verdict: it writes there why it cannot start, and closes it once serving.
    const child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', fd, fd, 'pipe'],
      env: { ...daemonSpawnEnv(options.env), [START_STATUS_FD_ENV]: '3' },
    });
    const spawned: SpawnedDaemon = { pid: child.pid, startError: '' };
    const status = child.stdio[3] as Socket | null;
    status?.on('data', (chunk: Buffer) => {
      if (spawned.startError.length < MAX_START_ERROR_BYTES) spawned.startError += chunk.toString('utf8');
    });
    status?.on('error', () => undefined);
    status?.on('close', () => {
      spawned.statusClosed = true;
    });
    status?.unref();
    // Without an 'error' listener a missing executable would crash this process.
    child.on('error', (error) => {
      spawned.error = error;
    });
    child.on('exit', (code, signal) => {
      spawned.exit = { code, signal };
    });
    child.unref();
    return spawned;
  } finally {
    // The child holds its own copy of the fd from here on.
    closeSync(fd);
  }
}

/** Human description of a spawned daemon's fate, for error messages; '' while it runs. */
export function describeSpawned(spawned: SpawnedDaemon, command: readonly string[]): string {
  const argv = (spawned.command ?? command).join(' ');
  const before = spawned.scopeFailure ? `${spawned.scopeFailure}; then ` : '';
  if (spawned.error) return `${before}the daemon could not be started (${argv}): ${spawned.error.message}`;
  if (!spawned.exit) return '';
  const how = spawned.exit.signal ? `signal ${spawned.exit.signal}` : `exit code ${spawned.exit.code}`;
  const why = spawned.startError.trim();
  return `${before}the daemon started with \`${argv}\` (pid ${spawned.pid}) ended with ${how}${why ? `: ${why}` : ''}`;
}
