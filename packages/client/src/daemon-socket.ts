import { createConnection, type Socket } from 'node:net';
import { checkSocketPath } from '@tend/protocol/wire';
import { checkConfigFile } from './config-check.js';
import { Backoff } from './deadline.js';
import type { SpawnedDaemon } from './daemon-spawn.js';
import { DaemonUnreachableError } from './errors.js';
import { readDaemonLogTail } from './daemon-log-tail.js';

/** Where the daemon is and how to start it; the resolved form of ConnectOptions. */
export interface DaemonSocketOptions {
  socketPath: string;
  autoStart: boolean;
  daemonCommand?: readonly string[];
  /** Environment given to a spawned daemon. */
  env: Record<string, string | undefined>;
  /** Directory of the daemon log, created before spawning. */
  stateDir: string;
  /** Daemon log: receives a spawned daemon's stdout/stderr; its tail is quoted in errors. */
  logPath: string;
  /** Connect budget in ms, quoted in the deadline message. */
  timeoutMs: number;
}

/** The daemon spawned so far by one connect call, if any. */
export interface SpawnState {
  spawned?: SpawnedDaemon;
}

let starter: Promise<typeof import('./daemon-start.js')> | undefined;

/**
 * daemon-start.js and what it loads (node:child_process, systemd-scope's node:crypto), imported
 * only when a daemon must be started: a connect to a running daemon does not pay for them
 * (a cold `tend ps` loads no child_process of ours, no crypto).
 */
function daemonStart(): Promise<typeof import('./daemon-start.js')> {
  starter ??= import('./daemon-start.js');
  return starter;
}

// No daemon: the socket file is missing, or left behind by a dead daemon.
const ABSENT = new Set(['ENOENT', 'ECONNREFUSED']);
// Try again: a daemon is there but its accept backlog is full (Linux answers EAGAIN), or the daemon
// closed its listening socket with this connection still in the backlog (ECONNRESET from connect: a
// daemon going away — killed, restarting — whose clients reconnect at once; the next attempt finds the
// socket absent or the next daemon).
const BUSY = new Set(['EAGAIN', 'ECONNRESET']);

/**
 * Opens a connected socket to the daemon, starting it when none answers.
 * When the socket is absent (ENOENT / ECONNREFUSED) and `autoStart` is on, the
 * daemon is spawned once per call (in a delegated systemd scope when a user manager is there,
 * see systemd-scope.ts; started again plainly, once, when systemd-run fails before the daemon
 * runs), then the socket is retried on the
 * {@link Backoff} schedule until `deadline` (epoch ms). Racing clients may each
 * spawn one: the daemon's own lock lets one win and the others exit, so an
 * early exit of our child is no reason to stop retrying.
 * @param spawnState shared by the attempts of one connect call, so that it spawns at most once.
 * @throws SocketPathTooLongError when the socket path does not fit in sockaddr_un.
 * @throws InvalidConfigError when it would start a daemon and config.json is bad (checked first).
 * @throws DaemonUnreachableError naming the value when TEND_SYSTEMD_SCOPE is neither 0 nor 1.
 * @throws DaemonUnreachableError when no daemon answers (at once with autoStart off, when
 *   `daemonCommand` is missing, when the daemon cannot be spawned, or for an unexpected
 *   errno such as EACCES; else at the deadline), quoting the daemon log's last lines.
 */
export async function openDaemonSocket(
  options: DaemonSocketOptions,
  deadline: number,
  spawnState: SpawnState = {},
): Promise<Socket> {
  checkSocketPath(options.socketPath);
  const backoff = new Backoff(deadline);
  for (;;) {
    let spawned = spawnState.spawned;
    let lastError: NodeJS.ErrnoException;
    try {
      return await connectOnce(options.socketPath);
    } catch (error) {
      lastError = error as NodeJS.ErrnoException;
    }
    const code = lastError.code ?? 'unknown error';
    const absent = ABSENT.has(code);
    if (!absent && !BUSY.has(code)) {
      throw unreachable(
        options,
        `cannot connect to the tend daemon socket ${options.socketPath}: ${lastError.message}`,
        lastError,
      );
    }
    if (absent && !spawned) {
      if (!options.autoStart) {
        throw unreachable(
          options,
          `no tend daemon is listening on ${options.socketPath} (${code}), and autoStart is off: start the daemon first`,
          lastError,
        );
      }
      if (!options.daemonCommand || options.daemonCommand.length === 0) {
        throw unreachable(
          options,
          `no tend daemon is listening on ${options.socketPath} (${code}), and none can be started: ` +
            'ConnectOptions.daemonCommand (the argv that runs the daemon) is not set',
          lastError,
        );
      }
      // A bad config.json would make the daemon exit before it listens: fail now, naming the file and key.
      const checking = checkConfigFile(options.env);
      if (checking) await checking;
      const { BadScopeSettingError, startDaemon } = await daemonStart();
      try {
        spawned = spawnState.spawned = startDaemon(options, options.daemonCommand, true);
      } catch (error) {
        if (error instanceof BadScopeSettingError) throw unreachable(options, error.message, error);
        throw error;
      }
    }
    const start = spawned ? await daemonStart() : undefined;
    // systemd-run could not make the scope (no user bus…) and the daemon never served: start it plainly, once.
    // …or it is still systemd-run long after the scope should have been made (the user manager does not answer).
    if (start && spawned) {
      const patienceMs = Math.round(Math.min(start.SCOPE_PATIENCE_MS, options.timeoutMs / 3));
      if (absent && start.scopeStalled(spawned, patienceMs)) {
        start.abandonScope(spawned);
        spawned.startError ||= `systemd-run did not start the daemon within ${patienceMs} ms`;
        spawned = spawnState.spawned = start.startDaemon(
          options,
          options.daemonCommand ?? [],
          false,
          spawned,
        );
      }
      if (absent && start.scopeFailed(spawned)) {
        spawned = spawnState.spawned = start.startDaemon(
          options,
          options.daemonCommand ?? [],
          false,
          spawned,
        );
      }
      if (spawned.error) {
        throw unreachable(
          options,
          start.describeSpawned(spawned, options.daemonCommand ?? []),
          spawned.error,
        );
      }
      // It said why it could not start (a daemon that lost the start race says nothing): no use waiting.
      if (spawned.exit && spawned.startError.trim() !== '') {
        throw unreachable(
          options,
          `no tend daemon answered on ${options.socketPath}: ${start.describeSpawned(spawned, options.daemonCommand ?? [])}`,
        );
      }
    }
    if (!(await backoff.wait())) {
      const fate = start && spawned ? start.describeSpawned(spawned, options.daemonCommand ?? []) : '';
      throw unreachable(
        options,
        `no tend daemon answered on ${options.socketPath} within ${options.timeoutMs} ms (last error: ${code})` +
          (fate ? `; ${fate}` : ''),
        lastError,
      );
    }
  }
}

/** A DaemonUnreachableError for `message`, with the daemon log's tail appended. */
export function unreachable(
  options: DaemonSocketOptions,
  message: string,
  cause?: unknown,
): DaemonUnreachableError {
  return new DaemonUnreachableError(message, {
    socketPath: options.socketPath,
    logPath: options.logPath,
    logTail: readDaemonLogTail(options.logPath),
    cause,
  });
}

/** One connection attempt; rejects with the errno error (ENOENT, ECONNREFUSED…). */
function connectOnce(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const onError = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
