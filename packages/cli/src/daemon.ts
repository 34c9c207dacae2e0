import type { TendClient } from '@tend/client';
import { DEFAULT_KILL_GRACE_MS, readStopMark, resolvePaths } from '@tend/protocol/wire';
import {
  connect,
  daemonCommand,
  isDaemonUnreachable,
  targetHost,
  withClient,
  type GlobalOptions,
} from './connect.js';
import { CliError } from './errors.js';
import { formatSpan, printJson, printLine, warn } from './output.js';

/** Options of `tend daemon stop` and `restart`. */
export interface DaemonStopOptions extends GlobalOptions {
  /** Stop every live task too (SIGTERM, SIGKILL after the grace period). */
  killTasks?: boolean;
}

/** How long `daemon stop` waits for the daemon process to be gone, in ms (beyond the tasks' grace). */
const EXIT_DEADLINE_MS = 10_000;
/** Grace between SIGTERM and SIGKILL for `--kill-tasks`, in ms: tend's one default (10 s, as docker stop). */
const SHUTDOWN_GRACE_MS = DEFAULT_KILL_GRACE_MS;

/**
 * `tend daemon start`: connects, starting the daemon if none runs, and prints
 * its pid (or `{pid, version, protocolVersion, socket, startedAt}` as JSON).
 * @returns 0.
 * @throws the client's DaemonUnreachableError when it could not be started.
 */
export async function startDaemon(options: GlobalOptions): Promise<number> {
  const info = await withClient(options, async (client) => client.daemon);
  await (options.json ? printJson(info) : printLine(String(info.pid)));
  return 0;
}

/**
 * `tend daemon stop`: asks the daemon to shut down (`daemon/shutdown`; tasks
 * keep running unless `--kill-tasks`) and waits until its process is gone.
 * A deliberate stop: clients waiting or following elsewhere end (exit 125,
 * "the tend daemon was stopped") instead of starting a new daemon.
 * Prints the pid (or `{pid, killedTasks}` as JSON). A daemon that is not
 * running is not an error: a note goes to stderr.
 * @returns 0.
 * @throws CliError when the process is still there after the deadline.
 */
export async function stopDaemon(options: DaemonStopOptions): Promise<number> {
  const result = await shutdown(options);
  if (result === undefined) {
    warn('daemon is not running');
    if (options.json) await printJson(null);
    return 0;
  }
  await (options.json ? printJson(result) : printLine(String(result.pid)));
  return 0;
}

/**
 * `tend daemon restart`: checks config.json first (a bad file would leave no
 * daemon at all), stops the running daemon, if any (tasks survive unless
 * `--kill-tasks`), then starts a new one, which applies the config, and prints
 * its pid (or its info as JSON). Clients waiting or following elsewhere
 * reconnect to the new daemon and resume.
 * @returns 0.
 * @throws the client's InvalidConfigError (reason `invalid_config`) naming the file and key;
 *   the running daemon is then left alone.
 */
export async function restartDaemon(options: DaemonStopOptions): Promise<number> {
  const { checkConfigFile } = await import('@tend/client');
  // A remote daemon's config.json is on that machine: its own tend checks it when it starts the daemon.
  if (targetHost(options) === undefined) await checkConfigFile(process.env);
  await shutdown(options, { restart: true });
  return startDaemon(options);
}

/**
 * `tend daemon status`: facts about the running daemon (`daemon/status`) as
 * human lines, or the status result itself as JSON. Never starts a daemon.
 * @returns 0.
 * @throws CliError (125) when no daemon is running.
 */
export async function showDaemonStatus(options: GlobalOptions): Promise<number> {
  let status: Awaited<ReturnType<TendClient['status']>>;
  try {
    status = await withClient(options, (client) => client.status(), { autoStart: false });
  } catch (err) {
    if (isDaemonUnreachable(err))
      throw new CliError('daemon is not running (start it with: tend daemon start)', {
        cause: err,
        reason: 'daemon_unreachable',
      });
    throw err;
  }
  if (options.json) {
    await printJson(status);
    return 0;
  }
  const counts = Object.entries(status.tasks).map(([state, n]) => `${n} ${state}`);
  await printLine(
    [
      `tend daemon ${status.version} (protocol ${status.protocolVersion}), pid ${status.pid}, up ${formatSpan(status.uptimeMs)}`,
      `started:  ${status.startedAt}`,
      `socket:   ${status.socket}`,
      `state:    ${status.stateDir}`,
      `log:      ${status.logPath}`,
      `clients:  ${status.clients}`,
      `tasks:    ${counts.length > 0 ? counts.join(', ') : 'none'}`,
      `systemd:  ${status.systemd ? `yes${status.unit ? ` (${status.unit})` : ''}` : 'no'}, linger ${status.linger ? 'on' : 'off'}`,
      `contain:  ${describeContainment(status.containment)}`,
      ...status.warnings.map((warning) => `warning:  ${warning}`),
    ].join('\n'),
  );
  return 0;
}

/** The `contain:` line of `tend daemon status`: `cgroup (under ROOT)`, or `marker (REASON)`. */
function describeContainment(
  containment: { mode: string; cgroupRoot?: string; reason?: string } | undefined,
): string {
  // A daemon from before containment does not say: its tasks are contained by process group.
  if (!containment) return 'group (a daemon before containment)';
  if (containment.mode === 'cgroup') return `cgroup (each task under ${containment.cgroupRoot})`;
  return `marker (no cgroup: ${containment.reason ?? 'no reason given'})`;
}

/**
 * Shuts the daemon down and waits for its pid to disappear.
 * @returns the shutdown result, or undefined when no daemon was running.
 */
async function shutdown(
  options: DaemonStopOptions,
  { restart = false } = {},
): Promise<{ pid: number; killedTasks: number } | undefined> {
  let client: TendClient;
  try {
    client = await connect(options, { autoStart: false });
  } catch (err) {
    if (isDaemonUnreachable(err)) return undefined;
    throw err;
  }
  let result: Awaited<ReturnType<TendClient['shutdown']>>;
  // A remote daemon's pid is on the other machine: its exit shows as the end of the ssh connection
  // (the daemon closes its connections, dial-stdio and then ssh exit).
  const remote = targetHost(options) !== undefined;
  const closed = remote ? new Promise<void>((done) => client.onClose(() => done())) : undefined;
  try {
    result = await client.shutdown({
      killTasks: options.killTasks ?? false,
      graceMs: SHUTDOWN_GRACE_MS,
      restart,
    });
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
  const budgetMs = EXIT_DEADLINE_MS + (options.killTasks ? SHUTDOWN_GRACE_MS : 0);
  if (closed) {
    const gone = await Promise.race([
      closed.then(() => true),
      new Promise<boolean>((done) => setTimeout(() => done(false), budgetMs).unref()),
    ]);
    await client.close().catch(() => undefined);
    if (!gone)
      throw new CliError(
        `daemon (pid ${result.pid}) did not close its connections within ${formatSpan(budgetMs)}`,
      );
    return result;
  }
  await client.close().catch(() => undefined);
  const { waitForPidGone } = await import('@tend/client');
  if (!(await waitForPidGone(result.pid, Date.now() + budgetMs))) {
    throw new CliError(`daemon (pid ${result.pid}) did not exit within ${formatSpan(budgetMs)}`);
  }
  return result;
}

/** Exit status of `dial-stdio --after-pid N` when daemon N was stopped on purpose (the client's DIAL_STOPPED_EXIT). */
export const DIAL_STOPPED_EXIT = 3;
/** Longest `dial-stdio --after-pid N` waits for a restarting daemon N to go before starting one, in ms. */
const DIAL_RESTART_WAIT_MS = 10_000;

/** Pid in the runtime directory's stopped.json (left by a daemon stopped on purpose), if any. */
function stoppedPid(): number | undefined {
  return readStopMark(resolvePaths({ env: process.env }).stoppedPath)?.pid;
}

/**
 * `tend daemon dial-stdio`: relays stdin to the local daemon's socket and the socket to stdout, byte for
 * byte, starting the daemon first when none runs (as `docker system dial-stdio`). What a client on another
 * machine runs through `ssh host tend daemon dial-stdio` (TEND_HOST=ssh://…). Always the local daemon:
 * TEND_HOST and contexts do not apply. Ends when either side closes: stdin's end is passed on as the
 * socket's write end (half-close), the socket's end ends stdout.
 * With `--after-pid N` (what a reconnecting client sends after losing daemon N): exits {@link DIAL_STOPPED_EXIT}
 * when N was stopped on purpose (its stopped.json), and starts no daemon while N still exists (it is restarting).
 * @returns 0 once both directions are done; {@link DIAL_STOPPED_EXIT} as above.
 * @throws the client's DaemonUnreachableError when no daemon answers (printed on stderr, which ssh relays).
 */
export async function dialStdio(options: { afterPid?: number } = {}): Promise<number> {
  const { dialDaemonSocket, DaemonUnreachableError, waitForPidGone } = await import('@tend/client');
  const connectOptions = { autoStart: true, daemonCommand: daemonCommand() };
  let socket: import('node:net').Socket | undefined;
  const old = options.afterPid;
  if (old !== undefined) {
    // A client on the other end lost daemon `old`: the rules of a local reconnect (ReconnectingChannel), applied here.
    if (stoppedPid() === old) {
      warn(
        `the tend daemon (pid ${old}) was stopped (tend daemon stop, or SIGTERM) while this client was using it`,
      );
      return DIAL_STOPPED_EXIT;
    }
    // While it still exists (restarting), connect to whatever answers but start nothing: it would lose the lock race.
    const deadline = Date.now() + DIAL_RESTART_WAIT_MS;
    while (!socket && Date.now() < deadline) {
      try {
        socket = await dialDaemonSocket({ ...connectOptions, autoStart: false, timeoutMs: 1_000 });
      } catch (err) {
        if (!(err instanceof DaemonUnreachableError)) throw err;
        if (await waitForPidGone(old, Math.min(deadline, Date.now() + 100))) break;
      }
    }
    if (!socket && stoppedPid() === old) {
      warn(
        `the tend daemon (pid ${old}) was stopped (tend daemon stop, or SIGTERM) while this client was using it`,
      );
      return DIAL_STOPPED_EXIT;
    }
  }
  socket ??= await dialDaemonSocket(connectOptions);
  const connected = socket;
  await new Promise<void>((done) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      done();
    };
    // The daemon went away (restart, crash): the client on the other end reconnects.
    connected.once('close', finish);
    connected.on('error', () => connected.destroy());
    process.stdout.on('error', () => connected.destroy());
    process.stdin.on('error', () => connected.destroy());
    process.stdin.pipe(connected);
    connected.pipe(process.stdout);
  });
  // Flush what the daemon sent last before exiting.
  await new Promise<void>((done) => process.stdout.write('', () => done()));
  return 0;
}
