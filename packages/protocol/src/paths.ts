import { join } from 'node:path';

/** Where tend keeps its files (docs/design.md, "Files on disk"). All paths absolute. */
export interface TendPaths {
  /** Directory of socket, lock and daemon.json; created 0700 and owner-checked. */
  runtimeDir: string;
  /** Unix socket the daemon listens on. */
  socketPath: string;
  /** Lock file held by the one running daemon. */
  lockPath: string;
  /** `{pid, version, protocolVersion, socket, startedAt}` of the running daemon. */
  daemonJsonPath: string;
  /**
   * `{pid, stoppedAt}` left by a daemon stopped on purpose (daemon/shutdown without `restart`):
   * clients that lost their connection to that pid end instead of reconnecting. The next daemon removes it.
   */
  stoppedPath: string;
  /** Directory of the database, the daemon log and task files; 0700. */
  stateDir: string;
  /** SQLite database (WAL mode). */
  dbPath: string;
  /** pino JSON log of the daemon. */
  logPath: string;
  /** Parent of the per-task directories `<tasksDir>/<id>/{output.log,exit}`. */
  tasksDir: string;
  /** Directory of `config.json`. */
  configDir: string;
  /** `config.json`, optional. */
  configPath: string;
}

/** Inputs of {@link resolvePaths}; defaults come from the current process. */
export interface PathInputs {
  env?: Record<string, string | undefined>;
  /** Numeric user id, for `/tmp/tend-<uid>` when XDG_RUNTIME_DIR is unset. */
  uid?: number;
  /** Home directory, for the XDG defaults under `~`. */
  home?: string;
}

/**
 * Longest socket path accepted, in bytes. sockaddr_un.sun_path holds 104 bytes
 * on macOS and 108 on Linux, both including the terminating NUL (unix(7)).
 */
export const MAX_SOCKET_PATH_BYTES = 103;

/**
 * Resolves tend's file locations. `TEND_HOME=<dir>` puts everything under one
 * folder (`<dir>/run`, `<dir>/state`, `<dir>/config`); otherwise the XDG base
 * directories are used: runtime `$XDG_RUNTIME_DIR/tend` (else `/tmp/tend-<uid>`),
 * state `$XDG_STATE_HOME/tend` (else `~/.local/state/tend`), config
 * `$XDG_CONFIG_HOME/tend` (else `~/.config/tend`). `TEND_SOCKET` overrides the
 * socket path alone. Pure: touches no file.
 */
export function resolvePaths(inputs: PathInputs = {}): TendPaths {
  const env = inputs.env ?? process.env;
  const uid = inputs.uid ?? process.getuid?.() ?? 0;
  const home = inputs.home ?? env.HOME ?? '/';
  const tendHome = nonEmpty(env.TEND_HOME);
  const runtimeDir = tendHome
    ? join(tendHome, 'run')
    : nonEmpty(env.XDG_RUNTIME_DIR)
      ? join(env.XDG_RUNTIME_DIR as string, 'tend')
      : `/tmp/tend-${uid}`;
  const stateDir = tendHome
    ? join(tendHome, 'state')
    : join(nonEmpty(env.XDG_STATE_HOME) ?? join(home, '.local', 'state'), 'tend');
  const configDir = tendHome
    ? join(tendHome, 'config')
    : join(nonEmpty(env.XDG_CONFIG_HOME) ?? join(home, '.config'), 'tend');
  return {
    runtimeDir,
    socketPath: nonEmpty(env.TEND_SOCKET) ?? join(runtimeDir, 'tend.sock'),
    lockPath: join(runtimeDir, 'daemon.lock'),
    daemonJsonPath: join(runtimeDir, 'daemon.json'),
    stoppedPath: join(runtimeDir, 'stopped.json'),
    stateDir,
    dbPath: join(stateDir, 'tend.db'),
    logPath: join(stateDir, 'daemon.log'),
    tasksDir: join(stateDir, 'tasks'),
    configDir,
    configPath: join(configDir, 'config.json'),
  };
}

/** Raised when the socket path would not fit in sockaddr_un. */
export class SocketPathTooLongError extends Error {
  override name = 'SocketPathTooLongError';
  constructor(readonly socketPath: string) {
    super(
      `socket path is ${Buffer.byteLength(socketPath)} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte ` +
        `limit of Unix sockets: ${socketPath}. Set TEND_HOME or TEND_SOCKET to a shorter path.`,
    );
  }
}

/** @throws SocketPathTooLongError when `socketPath` is longer than {@link MAX_SOCKET_PATH_BYTES}. */
export function checkSocketPath(socketPath: string): void {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) throw new SocketPathTooLongError(socketPath);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
