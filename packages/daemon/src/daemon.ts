import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import {
  checkSocketPath,
  formatStopMark,
  PROTOCOL_VERSION,
  resolvePaths,
  TEND_VERSION,
  type TendPaths,
} from '@tend/protocol';
import { loadConfig } from './config.js';
import { createLogger } from './logging.js';
import { writeFileAtomic } from './runtime/atomic-write.js';
import { chooseContainment } from './runtime/cgroup-root.js';
import { isDiskFull } from './runtime/disk-full.js';
import { checkPathTo, ensurePrivateDir } from './runtime/dirs.js';
import { acquireDaemonLock, DaemonLockedError } from './runtime/lock.js';
import { refuseIfStoppedSince } from './runtime/stop-mark.js';
import { RpcServer } from './server/server.js';
import { openDatabase } from './store/db.js';
import { CompletionStore } from './store/completion-store.js';
import { CursorStore } from './store/cursor-store.js';
import { RetentionStore } from './store/retention-store.js';
import { TaskStore } from './store/task-store.js';
import { IdleGc } from './runtime/idle-gc.js';
import { CgroupReaper } from './tasks/cgroup-reaper.js';
import { TaskRetention } from './tasks/retention.js';
import { pickShell } from './tasks/spawn.js';
import { OutputCapEnforcer } from './tasks/output-cap.js';
import { TaskSupervisor } from './tasks/supervisor.js';
import { recoverLiveTasks } from './tasks/task-recovery.js';
import { Watchdog } from './tasks/watchdog.js';
import { removeLegacyWrapper } from './tasks/wrapper.js';

/** Delay between answering daemon/shutdown and starting the shutdown, in ms: lets the reply go out first. */
const REPLY_BEFORE_SHUTDOWN_MS = 10;

/** Options of {@link startDaemon}; defaults come from the process environment. */
export interface DaemonOptions {
  env?: Record<string, string | undefined>;
  /**
   * When this start began, epoch ms: a daemon stopped deliberately at or after it (its stopped.json) makes
   * this start refuse with StoppedMeanwhileError. bin.ts passes its process's start (`performance.timeOrigin`),
   * so that a daemon still loading when the stop came counts; default the time of the call.
   */
  startedAtMs?: number;
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
 * live by a previous daemon (adopt, ended while away, lost; docs/design.md,
 * "Recovery at start-up") BEFORE it listens, and finally writes
 * daemon.json. When a step after the locks throws, everything opened so far is
 * closed and the locks are released before the error is rethrown.
 * @throws DaemonLockedError when another daemon runs (StoppedMeanwhileError, a kind of it, when one was
 *   stopped deliberately since `startedAtMs`); SocketInUseError when
 *   something else answers on the socket; SocketPathTooLongError; UnsafeDirectoryError;
 *   ConfigError when config.json is invalid; the database's error when it cannot be opened or migrated.
 */
export async function startDaemon(options: DaemonOptions = {}): Promise<RunningDaemon> {
  const env = options.env ?? process.env;
  const startedAtMs = options.startedAtMs ?? Date.now();
  const paths = resolvePaths({ env });
  checkSocketPath(paths.socketPath);
  ensurePrivateDir(paths.runtimeDir);
  ensurePrivateDir(paths.stateDir);
  ensurePrivateDir(paths.tasksDir);
  // TEND_SOCKET may sit elsewhere; config.json is read, never created.
  checkPathTo(dirname(paths.socketPath));
  checkPathTo(paths.configDir);
  const locks = acquireLocks(paths);
  // A start race's loser that got the lock only because the winner was stopped on purpose meanwhile (or a
  // daemon still loading when the stop came): stay stopped.
  try {
    refuseIfStoppedSince(paths.stoppedPath, startedAtMs);
  } catch (error) {
    locks.release();
    throw error;
  }
  // Whatever start-up opened, undone in reverse order when a later step throws: the locks above all,
  // so that the next start is not refused by a daemon that never served.
  const undo: (() => void | Promise<void>)[] = [() => locks.release()];
  try {
    return await serve(paths, env, locks, undo);
  } catch (error) {
    for (const step of undo.reverse())
      await Promise.resolve()
        .then(step)
        .catch(() => undefined);
    throw error;
  }
}

/** The rest of {@link startDaemon} once the locks are held; pushes onto `undo` how to close what it opens. */
async function serve(
  paths: TendPaths,
  env: Record<string, string | undefined>,
  locks: { release(): void },
  undo: (() => void | Promise<void>)[],
): Promise<RunningDaemon> {
  const config = loadConfig(paths.configPath);
  // Before anything is opened: a forced cgroup containment without a usable root fails the start here.
  const containment = chooseContainment(config, paths.configPath);
  // A deliberate stop's mark is about the previous daemon; this one serves again.
  rmSync(paths.stoppedPath, { force: true });
  const log = createLogger(paths.logPath, { maxBytes: config.logMaxBytes, files: config.logFiles });
  undo.push(() => log.close());
  const logger = log.logger;
  logger.info({ containment }, 'containment');
  const startedAt = Date.now();
  const db = openDatabase(paths.dbPath);
  undo.push(() => void db.close());
  removeLegacyWrapper(paths.stateDir);
  const store = new TaskStore(db);
  const retentionStore = new RetentionStore(db);
  const supervisor = new TaskSupervisor({
    store,
    tasksDir: paths.tasksDir,
    shell: pickShell(env.SHELL),
    logger,
    graceMs: config.killGraceMs,
    outputCapBytes: config.outputCapBytes,
    killLeftovers: config.killLeftovers,
    maxLiveTasks: config.maxLiveTasks,
    sessionGraceMs: config.sessionGraceMs,
    cursors: new CursorStore(db),
    completions: new CompletionStore(db),
    retention: retentionStore,
    containment,
    // A plain copy, made once: spreading process.env (a native object) cost ~50 µs of every task/run (issue 13).
    daemonEnv: { ...process.env },
  });
  undo.push(() => supervisor.timers.clearAll());
  undo.push(() => supervisor.pendingEnds.stop());
  const watchdog = new Watchdog(supervisor.ender);
  undo.push(() => watchdog.stop());
  const reaper = new CgroupReaper(supervisor.ender.context);
  undo.push(() => reaper.stop());
  const recovery = recoverLiveTasks(supervisor.ender, supervisor.stopper, watchdog);
  // No client is connected yet: every session with live session tasks gets its full grace from now.
  supervisor.sessions.start();
  undo.push(() => supervisor.sessions.stop());
  const leftovers = supervisor.watchLeftovers();
  undo.push(() => supervisor.stopper.leftovers.stopAll());
  reaper.sweep();
  const outputCap = new OutputCapEnforcer(supervisor, logger);
  outputCap.start();
  undo.push(() => outputCap.stop());
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

  // One full GC when the daemon goes quiet after a burst of task ends (issue 13; see IdleGc).
  const idleGc = new IdleGc(
    {},
    { onRun: (run) => logger.debug({ ...run, ms: Math.round(run.ms) }, 'idle GC') },
  );
  undo.push(() => idleGc.stop());
  supervisor.on('change', () => idleGc.activity());
  supervisor.on('exit', () => idleGc.taskEnded());

  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let shuttingDown: Promise<void> | undefined;

  const shutdown = (request: ShutdownRequest = {}): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ killTasks: request.killTasks ?? false, restart: request.restart }, 'shutting down');
      if (request.killTasks) await supervisor.stopAll(request.graceMs ?? config.killGraceMs);
      // Before any connection closes: a client that loses it must find the mark.
      if (request.restart !== true) writeStopMark(paths, logger);
      await server.close(paths.socketPath);
      // Ends whose leftover scan was still queued: recorded (and their leftovers watched from the next start).
      supervisor.ender.flushEnds();
      watchdog.stop();
      supervisor.stopper.leftovers.stopAll();
      reaper.stop();
      outputCap.stop();
      retention.stop();
      idleGc.stop();
      supervisor.pendingEnds.stop();
      supervisor.timers.clearAll();
      supervisor.sessions.stop();
      rmSync(paths.daemonJsonPath, { force: true });
      db.close();
      locks.release();
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
        setTimeout(() => void shutdown(request), REPLY_BEFORE_SHUTDOWN_MS);
        return request.killTasks ? live : 0;
      },
      sessions: supervisor.sessions,
    },
    logger,
    {},
    () => {
      idleGc.activity();
      // Task ends whose leftover scan waits for the end of the turn (TaskEnder.flushEnds) go first: no
      // request's work (a task/run's spawn) delays their task/didExit, and the request sees them recorded.
      supervisor.ender.flushEnds();
    },
  );
  await server.listen(paths.socketPath);
  writeDaemonJson(paths, startedAt, logger);
  logger.info(
    { socket: paths.socketPath, ...recovery, leftovers, readyMs: Date.now() - startedAt },
    'serving',
  );
  // After the socket is up (a long backlog on the first start after an upgrade must not fail the listen),
  // before the first request is read.
  retention.start();
  return { paths, pid: process.pid, startedAt, logger, supervisor, retention, closed, shutdown };
}

/**
 * Takes the single-instance lock (runtime dir), then the state directory's.
 * @returns both, released together.
 * @throws DaemonLockedError when another daemon holds either.
 */
function acquireLocks(paths: TendPaths): { release(): void } {
  const lock = acquireDaemonLock(paths.lockPath);
  // The database is what must have one owner: a second daemon whose runtime dir differs
  // (another XDG_RUNTIME_DIR) but whose state dir is the same is refused here.
  try {
    const stateLock = acquireDaemonLock(join(paths.stateDir, 'daemon.lock'));
    return {
      release() {
        stateLock.release();
        lock.release();
      },
    };
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
}

/** Writes stopped.json, the mark of a deliberate stop; a failure is only logged. */
function writeStopMark(paths: TendPaths, logger: Logger): void {
  try {
    writeFileAtomic(paths.stoppedPath, formatStopMark({ pid: process.pid, stoppedAtMs: Date.now() }));
  } catch (error) {
    // Without the mark clients reconnect (and auto-start a daemon): worse, but no reason not to stop.
    logger.warn({ err: error, path: paths.stoppedPath }, 'could not write the stop mark');
  }
}

/**
 * Writes daemon.json (pid, versions, socket, start time).
 * @throws what the write throws, except a full disk (only logged).
 */
function writeDaemonJson(paths: TendPaths, startedAt: number, logger: Logger): void {
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
}
