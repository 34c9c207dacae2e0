import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import {
  checkSocketPath,
  PROTOCOL_VERSION,
  resolvePaths,
  TEND_VERSION,
  type TendPaths,
} from '@tend/protocol';
import { loadConfig } from './config.js';
import { createLogger } from './logging.js';
import { writeFileAtomic } from './runtime/atomic-write.js';
import { isDiskFull } from './runtime/disk-full.js';
import { checkPathTo, ensurePrivateDir } from './runtime/dirs.js';
import { acquireDaemonLock, DaemonLockedError, type DaemonLock } from './runtime/lock.js';
import { RpcServer } from './server/server.js';
import { openDatabase } from './store/db.js';
import { CompletionStore } from './store/completion-store.js';
import { CursorStore } from './store/cursor-store.js';
import { RetentionStore } from './store/retention-store.js';
import { TaskStore } from './store/task-store.js';
import { TaskRetention } from './tasks/retention.js';
import { pickShell } from './tasks/spawn.js';
import { TaskSupervisor } from './tasks/supervisor.js';
import { OutputCapEnforcer } from './tasks/output-cap.js';
import { classifyLiveRows, Watchdog } from './tasks/watchdog.js';
import { removeLegacyWrapper } from './tasks/wrapper.js';

/** Options of {@link startDaemon}; defaults come from the process environment. */
export interface DaemonOptions {
  env?: Record<string, string | undefined>;
}

/** How a shutdown was asked for; see {@link RunningDaemon.shutdown}. */
export interface ShutdownRequest {
  killTasks?: boolean;
  graceMs?: number;
  restart?: boolean;
}

/** A daemon that serves; `closed` settles once it has shut down. */
export interface RunningDaemon {
  paths: TendPaths;
  pid: number;
  startedAt: number;
  logger: Logger;
  supervisor: TaskSupervisor;
  /** Applies the retention limits; prunes on request (task/prune). */
  retention: TaskRetention;
  closed: Promise<void>;
  /**
   * Stops serving; tasks keep running unless `killTasks`. Unless `restart` is true (`tend daemon
   * restart`, a client replacing an older daemon) this is a deliberate stop — `tend daemon stop`,
   * SIGTERM or SIGINT (systemctl stop, kill) — and stopped.json is written first, so that clients
   * end instead of reconnecting and starting a new daemon. Idempotent.
   */
  shutdown(options?: ShutdownRequest): Promise<void>;
}

/**
 * Starts the daemon: private dirs, the single-instance lock (before the socket
 * is touched), the database, the task wrapper, then classifies every task left
 * live by a previous daemon (adopt, ended while away, lost) BEFORE it listens,
 * and finally writes daemon.json.
 * @throws DaemonLockedError when another daemon runs; SocketInUseError when
 *   something else answers on the socket; SocketPathTooLongError; UnsafeDirectoryError;
 *   ConfigError when config.json is invalid.
 */
export async function startDaemon(options: DaemonOptions = {}): Promise<RunningDaemon> {
  const env = options.env ?? process.env;
  const paths = resolvePaths({ env });
  checkSocketPath(paths.socketPath);
  ensurePrivateDir(paths.runtimeDir);
  ensurePrivateDir(paths.stateDir);
  ensurePrivateDir(paths.tasksDir);
  // TEND_SOCKET may sit elsewhere; config.json is read, never created.
  checkPathTo(dirname(paths.socketPath));
  checkPathTo(paths.configDir);
  const lock = acquireDaemonLock(paths.lockPath);
  // The database is what must have one owner: a second daemon whose runtime dir differs
  // (another XDG_RUNTIME_DIR) but whose state dir is the same is refused here.
  let stateLock: DaemonLock;
  try {
    stateLock = acquireDaemonLock(join(paths.stateDir, 'daemon.lock'));
  } catch (error) {
    lock.release();
    if (error instanceof DaemonLockedError) {
      throw new DaemonLockedError(
        `another tend daemon uses the state directory ${paths.stateDir} with another socket than ${paths.socketPath} ` +
          '(is XDG_RUNTIME_DIR or TEND_SOCKET set differently there?); use the same environment, or stop it first',
        { cause: error },
      );
    }
    throw error;
  }
  let config;
  try {
    config = loadConfig(paths.configPath);
  } catch (error) {
    stateLock.release();
    lock.release();
    throw error;
  }
  // A deliberate stop's mark is about the previous daemon; this one serves again.
  rmSync(paths.stoppedPath, { force: true });
  const log = createLogger(paths.logPath, { maxBytes: config.logMaxBytes, files: config.logFiles });
  const logger = log.logger;
  const startedAt = Date.now();
  const db = openDatabase(paths.dbPath);
  removeLegacyWrapper(paths.stateDir);
  const store = new TaskStore(db);
  const cursors = new CursorStore(db);
  const completions = new CompletionStore(db);
  const retentionStore = new RetentionStore(db);
  const supervisor = new TaskSupervisor({
    store,
    tasksDir: paths.tasksDir,
    shell: pickShell(env.SHELL),
    logger,
    graceMs: config.killGraceMs,
    outputCapBytes: config.outputCapBytes,
    maxLiveTasks: config.maxLiveTasks,
    cursors,
    completions,
    retention: retentionStore,
  });
  const watchdog = new Watchdog(supervisor);
  const recovery = classifyLiveRows(supervisor, watchdog);
  const outputCap = new OutputCapEnforcer(supervisor, logger);
  outputCap.start();
  const retention = new TaskRetention(
    supervisor,
    retentionStore,
    {
      keepEndedTasks: config.keepEndedTasks,
      keepEndedDays: config.keepEndedDays,
      sweepMs: config.retentionSweepMs,
    },
    logger,
  );

  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let shuttingDown: Promise<void> | undefined;

  const shutdown = (request: ShutdownRequest = {}): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ killTasks: request.killTasks ?? false, restart: request.restart }, 'shutting down');
      if (request.killTasks) await stopAll(supervisor, request.graceMs ?? config.killGraceMs);
      // Before any connection closes: a client that loses it must find the mark.
      if (request.restart !== true) {
        try {
          writeFileAtomic(
            paths.stoppedPath,
            `${JSON.stringify({ pid: process.pid, stoppedAt: new Date().toISOString() })}\n`,
          );
        } catch (error) {
          // Without the mark clients reconnect (and auto-start a daemon): worse, but no reason not to stop.
          logger.warn({ err: error, path: paths.stoppedPath }, 'could not write the stop mark');
        }
      }
      await server.close(paths.socketPath);
      watchdog.stop();
      outputCap.stop();
      retention.stop();
      supervisor.pendingEnds.stop();
      supervisor.timers.clearAll();
      rmSync(paths.daemonJsonPath, { force: true });
      db.close();
      stateLock.release();
      lock.release();
      logger.info('stopped');
      await log.close();
      resolveClosed();
    })();
    return shuttingDown;
  };

  const server = new RpcServer(
    supervisor,
    {
      pid: process.pid,
      startedAt,
      socketPath: paths.socketPath,
      stateDir: paths.stateDir,
      logPath: paths.logPath,
      prune: (request) => retention.prune(request),
      requestShutdown: (request) => {
        const live = store.liveCount();
        // Let the reply go out first.
        setTimeout(() => void shutdown(request), 10);
        return request.killTasks ? live : 0;
      },
    },
    logger,
  );
  try {
    await server.listen(paths.socketPath);
  } catch (error) {
    db.close();
    stateLock.release();
    lock.release();
    throw error;
  }
  try {
    writeFileAtomic(
      paths.daemonJsonPath,
      `${JSON.stringify({
        pid: process.pid,
        version: TEND_VERSION,
        protocolVersion: PROTOCOL_VERSION,
        socket: paths.socketPath,
        startedAt: new Date(startedAt).toISOString(),
      })}\n`,
    );
  } catch (error) {
    // Informational only (clients find the daemon by its socket): a full disk must not stop it.
    if (!isDiskFull(error)) throw error;
    logger.warn({ err: error, path: paths.daemonJsonPath }, 'disk full: daemon.json not written');
  }
  logger.info({ socket: paths.socketPath, ...recovery, readyMs: Date.now() - startedAt }, 'serving');
  // After the socket is up (a long backlog on the first start after an upgrade must not fail the listen),
  // before the first request is read.
  retention.start();
  return { paths, pid: process.pid, startedAt, logger, supervisor, retention, closed, shutdown };
}

/** Stops every live task (SIGTERM, SIGKILL after `graceMs`) and waits for their ends. */
async function stopAll(supervisor: TaskSupervisor, graceMs: number): Promise<void> {
  const live = supervisor.store.live();
  const ends = live.map((row) => supervisor.wait(row.id, graceMs + 5_000));
  for (const row of live) supervisor.stop(row, 'SIGTERM', graceMs, 'shutdown');
  await Promise.all(ends);
}
