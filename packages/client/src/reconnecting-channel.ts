import { existsSync } from 'node:fs';
import {
  readStopMark,
  resolvePaths,
  type MethodRef,
  type NotificationMethod,
  type ParamsOf,
  type RequestMethod,
  type ResultOf,
} from '@tend/protocol/wire';
import {
  connectDaemon,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type ConnectOptions,
  type Connected,
  type DaemonInfo,
} from './connect.js';
import { Backoff, pidExists } from './deadline.js';
import {
  ConnectionClosedError,
  DaemonStoppedError,
  DaemonUnreachableError,
  RemoteHostError,
} from './errors.js';
import type { Disposable, RpcChannel } from './rpc-channel.js';

/**
 * A connection that was lost this many times in a row, each within the connect
 * timeout of being made, is given up: the daemon crashes as soon as it is used.
 */
export const MAX_QUICK_LOSSES = 5;

/** Why a lost connection is not re-established: set once, then every request fails with it. */
type Ending = { error: Error };

/**
 * The connection of one {@link TendClient}, re-established after it is lost
 * (daemon restart, crash, upgrade) when `ConnectOptions.reconnect` is on:
 * - a request sent while the connection is down reconnects first (it was never sent, so that is safe);
 * - {@link requestRetrying} (idempotent methods) re-sends a request whose connection was lost before
 *   the answer, on a new connection, with params rebuilt by the caller (e.g. the remaining timeout);
 * - {@link request} (everything else: task/run, task/kill…) never re-sends: it fails with ConnectionClosedError.
 * Reconnecting follows `connect`'s rules (auto-start, Backoff, `timeoutMs` deadline, daemon/initialize
 * with the same client name and session). While the old daemon's process still exists (it is
 * shutting down, or dropped only this connection) no daemon is auto-started, so that a spawned one
 * does not lose the lock race to the one leaving; once that pid is gone, auto-start applies.
 * A client with notification listeners or a session reconnects as soon as the connection is lost (a session's
 * connected clients keep its session tasks alive); others when they next send a request.
 * Notification listeners move to each new connection. A daemon that was stopped deliberately
 * (daemon/shutdown without `restart`, i.e. `tend daemon stop`, or SIGTERM) leaves `stopped.json` with its pid in
 * the runtime directory: then nothing is re-established and requests fail with DaemonStoppedError.
 */
export class ReconnectingChannel {
  private channel: RpcChannel;
  private info: DaemonInfo;
  private reconnecting: Promise<RpcChannel> | undefined;
  private closedByUs = false;
  private reconnectOff = false;
  private ending: Ending | undefined;
  /** Per notification name: its method reference and the listeners, attached to every new connection. */
  private readonly notificationListeners = new Map<
    string,
    { method: MethodRef<NotificationMethod>; listeners: Set<(params: unknown) => void> }
  >();
  private readonly reconnectListeners = new Set<(daemon: DaemonInfo) => void>();
  private readonly closeListeners = new Set<(error?: Error) => void>();

  private constructor(
    connected: Connected,
    private readonly options: ConnectOptions,
  ) {
    this.channel = connected.channel;
    this.info = connected.daemon;
    this.attach(this.channel);
  }

  /** Connects as {@link connectDaemon} does. @throws what connectDaemon throws. */
  static async open(options: ConnectOptions): Promise<ReconnectingChannel> {
    return new ReconnectingChannel(await connectDaemon(options), options);
  }

  /** What the latest daemon/initialize answered (a new daemon after a reconnect). */
  get daemon(): DaemonInfo {
    return this.info;
  }

  /** True after {@link close}, or once the connection is lost and will not be re-established. */
  get isClosed(): boolean {
    return this.closedByUs || this.ending !== undefined || (!this.reconnects && this.channel.isClosed);
  }

  /**
   * Sends a request once. While the connection is down it reconnects first; a loss after sending is
   * not retried (the daemon may or may not have acted on it).
   * @throws TendError subclasses; ConnectionClosedError; DaemonUnreachableError when reconnecting failed;
   *   DaemonStoppedError after `tend daemon stop`.
   */
  async request<M extends RequestMethod>(method: MethodRef<M>, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const channel = await this.current();
    try {
      return await channel.request(method, params);
    } catch (error) {
      if (!(error instanceof ConnectionClosedError) || this.closedByUs || !this.reconnects) throw error;
      throw new ConnectionClosedError(
        `${error.message}; it is not sent again, because the daemon may or may not have carried it out ` +
          '(tend ps shows what runs)',
        { cause: error },
      );
    }
  }

  /**
   * Sends an idempotent request and, when the connection is lost before the answer, sends it
   * again on a re-established connection, with `params()` called anew each time. Gives up
   * after {@link MAX_QUICK_LOSSES} quick losses in a row.
   * @throws as {@link request}.
   */
  async requestRetrying<M extends RequestMethod>(
    method: MethodRef<M>,
    params: () => ParamsOf<M>,
  ): Promise<ResultOf<M>> {
    let quickLosses = 0;
    for (;;) {
      const channel = await this.current();
      const sentAt = Date.now();
      try {
        return await channel.request(method, params());
      } catch (error) {
        if (!(error instanceof ConnectionClosedError) || !this.reconnects) throw error;
        if (this.closedByUs) throw error;
        quickLosses = Date.now() - sentAt < this.timeoutMs ? quickLosses + 1 : 0;
        // A write that failed before 'close' was seen: drop this connection.
        if (!channel.isClosed) await channel.close();
        if (quickLosses >= MAX_QUICK_LOSSES) {
          throw new ConnectionClosedError(
            `the connection to the tend daemon was lost ${quickLosses} times in a row while ${method.method} was pending; ` +
              'giving up (see the daemon log)',
            { cause: error },
          );
        }
      }
    }
  }

  /** Calls `listener` with the params of every `method` notification, on this and every later connection. */
  onNotification<N extends NotificationMethod>(
    method: MethodRef<N>,
    listener: (params: ParamsOf<N>) => void,
  ): Disposable {
    let entry = this.notificationListeners.get(method.method);
    if (!entry) {
      entry = { method, listeners: new Set() };
      this.notificationListeners.set(method.method, entry);
      if (!this.channel.isClosed) this.dispatchOn(this.channel, entry);
    }
    const listeners = entry.listeners;
    const wrapped = listener as (params: unknown) => void;
    listeners.add(wrapped);
    return { dispose: () => listeners.delete(wrapped) };
  }

  /** Calls `listener` with the new daemon's info after each reconnect. */
  onReconnect(listener: (daemon: DaemonInfo) => void): Disposable {
    this.reconnectListeners.add(listener);
    return { dispose: () => this.reconnectListeners.delete(listener) };
  }

  /** Calls `listener` once when the connection is lost for good (not after {@link close}), with the reason when known. */
  onClose(listener: (error?: Error) => void): Disposable {
    this.closeListeners.add(listener);
    return { dispose: () => this.closeListeners.delete(listener) };
  }

  /** From now on a lost connection is the end (this client asked the daemon to shut down). */
  stopReconnecting(): void {
    this.reconnectOff = true;
  }

  /** Closes the connection and stops reconnecting; pending requests reject with ConnectionClosedError. Idempotent. */
  async close(): Promise<void> {
    this.closedByUs = true;
    await this.channel.close();
    const pending = await this.reconnecting?.catch(() => undefined);
    await pending?.close();
  }

  private get reconnects(): boolean {
    return !this.reconnectOff && (this.options.reconnect ?? true);
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** The open connection, re-established first when it was lost. */
  private current(): Promise<RpcChannel> {
    if (this.closedByUs) return Promise.reject(new ConnectionClosedError('this TendClient was closed'));
    if (this.ending) return Promise.reject(this.ending.error);
    if (!this.channel.isClosed) return Promise.resolve(this.channel);
    if (!this.reconnects)
      return Promise.reject(new ConnectionClosedError('the connection to the tend daemon was lost'));
    this.reconnecting ??= this.reconnect().finally(() => (this.reconnecting = undefined));
    return this.reconnecting;
  }

  private async reconnect(): Promise<RpcChannel> {
    let connected: Connected;
    try {
      connected = await this.connectAfter(this.info.pid);
    } catch (error) {
      this.end(error as Error);
      throw error;
    }
    if (this.closedByUs) {
      await connected.channel.close();
      throw new ConnectionClosedError('this TendClient was closed');
    }
    this.channel = connected.channel;
    this.info = connected.daemon;
    this.attach(this.channel);
    for (const listener of [...this.reconnectListeners]) listener(this.info);
    return this.channel;
  }

  /**
   * Connects without auto-start while `oldPid` exists, then with the caller's options.
   * @throws DaemonStoppedError when the old daemon was stopped deliberately.
   */
  private async connectAfter(oldPid: number): Promise<Connected> {
    const deadline = Date.now() + this.timeoutMs;
    const backoff = new Backoff(deadline);
    if (this.options.host !== undefined) return this.connectRemoteAgain(backoff, oldPid);
    const stopped = () => stoppedPid(this.options) === oldPid;
    if (stopped()) throw stoppedError(this.info);
    while (pidExists(oldPid)) {
      try {
        return await connectDaemon({ ...this.options, autoStart: false, timeoutMs: backoff.remainingMs() });
      } catch (error) {
        if (!(error instanceof DaemonUnreachableError)) throw error;
        if (!(await backoff.wait())) throw error;
      }
    }
    if (stopped()) throw stoppedError(this.info);
    const dbPath = resolvePaths({ env: this.options.env ?? process.env }).dbPath;
    // The store is gone with its folder (a removed TEND_HOME, a test's cleanup): a daemon started now would
    // recreate the folder with an empty store, where the task this client waits for or follows never existed.
    if (!existsSync(dbPath)) throw storeRemovedError(this.info, dbPath);
    return connectDaemon({ ...this.options, timeoutMs: Math.max(1, backoff.remainingMs()) });
  }

  /**
   * A remote host: its daemon's pid and stopped.json are on the other machine, where `tend daemon dial-stdio
   * --after-pid <old pid>` applies the rules above (and exits 3 after a deliberate stop: DaemonStoppedError).
   * ssh failing by itself (status 255: the network may be coming back) is tried again until the deadline.
   */
  private async connectRemoteAgain(backoff: Backoff, oldPid: number): Promise<Connected> {
    for (;;) {
      try {
        return await connectDaemon(
          { ...this.options, timeoutMs: Math.max(1, backoff.remainingMs()) },
          oldPid,
        );
      } catch (error) {
        if (!(error instanceof RemoteHostError) || error.exitCode !== 255) throw error;
        if (!(await backoff.wait())) throw error;
      }
    }
  }

  private attach(channel: RpcChannel): void {
    for (const entry of this.notificationListeners.values()) this.dispatchOn(channel, entry);
    channel.onClose(() => this.lost(channel));
  }

  private dispatchOn(
    channel: RpcChannel,
    entry: { method: MethodRef<NotificationMethod>; listeners: Set<(params: unknown) => void> },
  ): void {
    channel.onNotification(entry.method, (params: unknown) => {
      for (const listener of [...entry.listeners]) listener(params);
    });
  }

  /**
   * The connection was lost: without reconnect that is the end; with notification listeners, or with a
   * session, reconnect now.
   */
  private lost(channel: RpcChannel): void {
    if (channel !== this.channel || this.closedByUs) return;
    if (!this.reconnects) {
      this.end(undefined);
      return;
    }
    // Someone listens for notifications, or this client is present for its session (tasks with lifetime
    // "session" are stopped once their session has had no client for the daemon's grace, docs/protocol.md
    // "Lifetime policies"): do not wait for the next request to come back.
    const listening = [...this.notificationListeners.values()].some((entry) => entry.listeners.size > 0);
    if (listening || this.options.session !== undefined) void this.current().catch(() => undefined);
  }

  private end(error: Error | undefined): void {
    if (this.ending || this.closedByUs) return;
    this.ending = { error: error ?? new ConnectionClosedError('the connection to the tend daemon was lost') };
    for (const listener of [...this.closeListeners]) listener(error);
  }
}

/** Pid recorded in `<runtime>/stopped.json` by a daemon stopped deliberately, if any. */
function stoppedPid(options: ConnectOptions): number | undefined {
  return readStopMark(resolvePaths({ env: options.env ?? process.env }).stoppedPath)?.pid;
}

/** The daemon ended and its task store went with it: no new daemon is started in its place. */
function storeRemovedError(daemon: DaemonInfo, dbPath: string): DaemonStoppedError {
  return new DaemonStoppedError(
    `the tend daemon (pid ${daemon.pid}) ended and its task store ${dbPath} no longer exists (its TEND_HOME or ` +
      'state folder was removed); no new daemon was started there: any tend command starts one with an empty store',
  );
}

function stoppedError(daemon: DaemonInfo): DaemonStoppedError {
  return new DaemonStoppedError(
    `the tend daemon (pid ${daemon.pid}) was stopped (tend daemon stop, or SIGTERM) while this client was using it; ` +
      'its tasks keep running, and any tend command (or tend daemon start) starts a new daemon',
  );
}
