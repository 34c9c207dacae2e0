import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';

/** What {@link spawnDaemon} needs. */
export interface DaemonSpawnOptions {
  /** argv that runs the daemon in the foreground, e.g. `[process.execPath, '/abs/daemon/dist/bin.js']`. */
  command: readonly string[];
  /** Environment of the daemon (it resolves its own paths from it, e.g. TEND_HOME). */
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
}

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
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], env: options.env });
    const spawned: SpawnedDaemon = { pid: child.pid };
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
  const argv = command.join(' ');
  if (spawned.error) return `the daemon could not be started (${argv}): ${spawned.error.message}`;
  if (!spawned.exit) return '';
  const how = spawned.exit.signal ? `signal ${spawned.exit.signal}` : `exit code ${spawned.exit.code}`;
  return `the daemon started with \`${argv}\` (pid ${spawned.pid}) ended with ${how}`;
}
