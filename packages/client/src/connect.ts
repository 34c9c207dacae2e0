import type { Socket } from 'node:net';
import type { DaemonInitialize, DaemonShutdown } from '@tend/protocol';
import {
  Methods,
  PROTOCOL_VERSION,
  resolvePaths,
  TEND_VERSION,
  type ParamsOf,
  type ResultOf,
} from '@tend/protocol/wire';
import { openDaemonSocket, unreachable, type DaemonSocketOptions, type SpawnState } from './daemon-socket.js';
import { Backoff, waitForPidGone, withDeadline } from './deadline.js';
import { ConnectionClosedError, InvalidParamsError, ProtocolMismatchError } from './errors.js';
import { RpcChannel } from './rpc-channel.js';
import { parseSshHost } from './ssh-url.js';

/** Default connect budget, auto-start included, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How {@link TendClient.connect} finds, starts and greets the daemon. */
export interface ConnectOptions {
  /** Start the daemon when none answers on the socket. Default true. */
  autoStart?: boolean;
  /**
   * argv that runs the daemon in the foreground, e.g.
   * `[process.execPath, '/abs/packages/daemon/dist/bin.js']`. Required to auto-start
   * (and to replace an older daemon); without it connect fails with DaemonUnreachableError.
   */
  daemonCommand?: string[];
  /** Environment used to resolve paths (TEND_HOME, TEND_SOCKET, XDG_*) and given to a spawned daemon. Default process.env. */
  env?: Record<string, string | undefined>;
  /** Socket to use instead of `resolvePaths(env).socketPath`; a spawned daemon gets it as TEND_SOCKET. */
  socketPath?: string;
  /** Sent in daemon/initialize. Default 'tend-client'. */
  clientName?: string;
  /** Sent in daemon/initialize. Default the tend version of this package. */
  clientVersion?: string;
  /** Session sent in daemon/initialize (e.g. an agent's conversation id); recorded on tasks it starts. */
  session?: string;
  /** Deadline for the whole connect, auto-start and initialize included, in ms. Default 10 000. Also each reconnect's. */
  timeoutMs?: number;
  /**
   * Re-establish a lost connection (daemon restart, crash, upgrade) and resume idempotent calls
   * (wait, output, follow, get, list, stats, status) from where they were; see TendClient. Default true.
   * Off: a lost connection is the end, as before (isClosed, onClose).
   */
  reconnect?: boolean;
  /**
   * A remote host, `ssh://[user@]host[:port]`: the client runs `ssh [user@]host tend daemon dial-stdio` with the
   * system's `ssh` (your ~/.ssh/config, keys, agent and known_hosts; `-T -o ConnectTimeout=<timeoutMs in s>`)
   * and speaks the protocol over its stdin/stdout. The remote `tend` starts its daemon when none runs there;
   * `autoStart`, `daemonCommand` and `socketPath` do not apply. `env.TEND_SSH_COMMAND` replaces `ssh` (run by
   * `sh -c`, like GIT_SSH_COMMAND), `env.TEND_REMOTE_COMMAND` the remote `tend`. Paths in requests (cwd) are the
   * remote machine's. A lost ssh connection is reconnected like a daemon restart. Default: the local daemon.
   */
  host?: string;
}

/** What daemon/initialize answered: `{version, protocolVersion, pid, startedAt, socket}`. */
export type DaemonInfo = ResultOf<typeof DaemonInitialize>;

/** An initialized connection. */
export interface Connected {
  channel: RpcChannel;
  daemon: DaemonInfo;
}

/**
 * Connects to the daemon (starting it if allowed), sends daemon/initialize and
 * replaces a daemon that speaks an older protocol once: daemon/shutdown, wait
 * for its pid to go, connect again with auto-start.
 * @throws DaemonUnreachableError no daemon answered within `timeoutMs` (message ends with the daemon log's tail).
 * @throws ProtocolMismatchError the daemon refused this client as too old, or is still older after a restart.
 * @throws LimitExceededError the daemon refused the connection: it serves as many as its limit (`data.limit`).
 * @throws SocketPathTooLongError the socket path does not fit in sockaddr_un.
 */
export async function connectDaemon(
  options: ConnectOptions = {},
  /** A reconnect to a remote host after the daemon of this pid was lost (see ssh-host.ts SshOptions.afterPid). */
  remoteAfterPid?: number,
): Promise<Connected> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const hello: ParamsOf<typeof DaemonInitialize> = {
    protocolVersion: PROTOCOL_VERSION,
    client: { name: options.clientName ?? 'tend-client', version: options.clientVersion ?? TEND_VERSION },
    ...(options.session === undefined ? {} : { session: options.session }),
  };
  if (options.host !== undefined) return connectRemote(options.host, env, timeoutMs, hello, remoteAfterPid);
  const deadline = Date.now() + timeoutMs;
  let socketOptions = localSocketOptions(options, env, timeoutMs);
  let replaced: DaemonInfo | undefined;
  for (;;) {
    const connected = await initialize(socketOptions, hello, deadline);
    const { channel, daemon } = connected;
    if (daemon.protocolVersion >= PROTOCOL_VERSION) return connected;
    const where = `the tend daemon at ${socketOptions.socketPath} (pid ${daemon.pid}, tend ${daemon.version})`;
    if (replaced) {
      await channel.close();
      throw new ProtocolMismatchError(
        `${where} still speaks protocol ${daemon.protocolVersion} after replacing the older daemon (pid ${replaced.pid}), ` +
          `but this client needs protocol ${PROTOCOL_VERSION}: daemonCommand starts an old daemon; upgrade it to tend ${TEND_VERSION}`,
      );
    }
    if (!socketOptions.daemonCommand?.length) {
      await channel.close();
      throw new ProtocolMismatchError(
        `${where} speaks protocol ${daemon.protocolVersion}, older than this client's ${PROTOCOL_VERSION}, and cannot be ` +
          'replaced because ConnectOptions.daemonCommand is not set: restart the daemon with the newer tend',
      );
    }
    await shutDownOlder(socketOptions, channel, daemon, deadline);
    replaced = daemon;
    socketOptions = { ...socketOptions, autoStart: true };
  }
}

/**
 * Opens a raw connection to the local daemon's socket, starting the daemon as {@link connectDaemon} does
 * (`autoStart`, `daemonCommand`, `env`, `socketPath`, `timeoutMs`), without sending anything: what
 * `tend daemon dial-stdio` relays to its stdin/stdout.
 * @throws DaemonUnreachableError, SocketPathTooLongError, InvalidConfigError as connectDaemon.
 */
export async function dialDaemonSocket(options: ConnectOptions = {}): Promise<Socket> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return openDaemonSocket(localSocketOptions(options, env, timeoutMs), Date.now() + timeoutMs);
}

let sshModule: Promise<typeof import('./ssh-host.js')> | undefined;

/**
 * Connects to the daemon of `hostUrl` through `ssh … tend daemon dial-stdio` and sends daemon/initialize.
 * No deadline of ours: ssh's ConnectTimeout bounds the connection, the remote `tend`'s connect budget the
 * daemon's start, and a passphrase or password typed at ssh's prompt takes what it takes.
 * @throws RemoteHostError ssh ended before the daemon answered (bad host, host key, auth, no tend there),
 *   with ssh's message and exit status.
 * @throws ProtocolMismatchError the remote daemon is older or newer than this client.
 */
async function connectRemote(
  hostUrl: string,
  env: Record<string, string | undefined>,
  timeoutMs: number,
  hello: ParamsOf<typeof DaemonInitialize>,
  afterPid: number | undefined,
): Promise<Connected> {
  sshModule ??= import('./ssh-host.js');
  const host = parseSshHost(hostUrl);
  const { openSshStream } = await sshModule;
  const stream = openSshStream(host, {
    env,
    connectTimeoutMs: timeoutMs,
    ...(afterPid !== undefined ? { afterPid } : {}),
  });
  const channel = new RpcChannel(stream);
  let daemon: DaemonInfo;
  try {
    daemon = await channel.request(Methods.DaemonInitialize, hello);
  } catch (error) {
    await channel.close();
    if (error instanceof ProtocolMismatchError) {
      throw new ProtocolMismatchError(
        `the tend daemon on ${host.url} refused this client (protocol ${PROTOCOL_VERSION}, tend ${TEND_VERSION}) ` +
          `as too old: ${error.message}. Upgrade the local tend to the remote's version`,
        { cause: error, data: error.data },
      );
    }
    if (!(error instanceof ConnectionClosedError)) throw error;
    await stream.whenExited();
    throw stream.failure('before the tend daemon answered');
  }
  if (daemon.protocolVersion < PROTOCOL_VERSION) {
    await channel.close();
    throw new ProtocolMismatchError(
      `the tend daemon on ${host.url} (pid ${daemon.pid}, tend ${daemon.version}) speaks protocol ${daemon.protocolVersion}, ` +
        `older than this client's ${PROTOCOL_VERSION}: upgrade tend on ${host.hostname} and run tend daemon restart there`,
    );
  }
  return { channel, daemon };
}

/**
 * Opens the socket and sends daemon/initialize; retries while the daemon is
 * going away (the connection closes before the answer) until the deadline.
 */
async function initialize(
  options: DaemonSocketOptions,
  hello: ParamsOf<typeof DaemonInitialize>,
  deadline: number,
): Promise<Connected> {
  const backoff = new Backoff(deadline);
  const spawnState: SpawnState = {};
  for (;;) {
    const channel = new RpcChannel(await openDaemonSocket(options, deadline, spawnState));
    try {
      const daemon = await withDeadline(channel.request(Methods.DaemonInitialize, hello), deadline, () =>
        unreachable(
          options,
          `the tend daemon on ${options.socketPath} did not answer daemon/initialize within ${options.timeoutMs} ms`,
        ),
      );
      return { channel, daemon };
    } catch (error) {
      await channel.close();
      if (error instanceof ProtocolMismatchError) {
        throw new ProtocolMismatchError(
          `the tend daemon on ${options.socketPath} refused this client (protocol ${PROTOCOL_VERSION}, tend ${TEND_VERSION}) ` +
            `as too old: ${error.message}. Upgrade the client (the tend CLI or @tend/client) to the daemon's version`,
          { cause: error, data: error.data },
        );
      }
      if (!(error instanceof ConnectionClosedError)) throw error;
      if (!(await backoff.wait())) {
        throw unreachable(
          options,
          `the tend daemon on ${options.socketPath} kept closing connections for ${options.timeoutMs} ms`,
          error,
        );
      }
    }
  }
}

/**
 * Asks an older daemon, over the initialized `channel`, to exit (its tasks keep
 * running and the next daemon adopts them), closes the channel and waits until
 * the daemon's pid is gone.
 */
async function shutDownOlder(
  options: DaemonSocketOptions,
  channel: RpcChannel,
  daemon: DaemonInfo,
  deadline: number,
): Promise<void> {
  const ask = (params: ParamsOf<typeof DaemonShutdown>) =>
    withDeadline(channel.request(Methods.DaemonShutdown, params), deadline, () =>
      unreachable(
        options,
        `the older tend daemon (pid ${daemon.pid}) did not answer daemon/shutdown within ${options.timeoutMs} ms`,
      ),
    );
  try {
    // A restart, not a stop: its other clients reconnect to the newer daemon. A daemon older than
    // the `restart` param refuses it as an unknown field; its clients cannot tell the two apart anyway.
    await ask({ restart: true }).catch((error: unknown) => {
      if (error instanceof InvalidParamsError) return ask({});
      throw error;
    });
  } catch (error) {
    // Closing the connection while exiting is what a daemon that shuts down may do.
    if (!(error instanceof ConnectionClosedError)) throw error;
  } finally {
    await channel.close();
  }
  if (!(await waitForPidGone(daemon.pid, deadline))) {
    throw unreachable(
      options,
      `the older tend daemon (pid ${daemon.pid}, protocol ${daemon.protocolVersion}) did not exit within ${options.timeoutMs} ms after daemon/shutdown`,
    );
  }
}

/** How to reach this machine's daemon: its socket (TEND_SOCKET/TEND_HOME or `options.socketPath`), and how to start one. */
function localSocketOptions(
  options: ConnectOptions,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): DaemonSocketOptions {
  const paths = resolvePaths({ env });
  return {
    socketPath: options.socketPath ?? paths.socketPath,
    autoStart: options.autoStart ?? true,
    daemonCommand: options.daemonCommand,
    env: options.socketPath ? { ...env, TEND_SOCKET: options.socketPath } : env,
    stateDir: paths.stateDir,
    logPath: paths.logPath,
    timeoutMs,
  };
}
