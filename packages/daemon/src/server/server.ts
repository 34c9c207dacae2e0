import { chmodSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  DaemonInitialize,
  ErrorCode,
  type ErrorData,
  InvalidParamsError,
  type NotificationMethod,
  type ParamsOf,
  parseParams,
  TaskDidChange,
  TaskDidExit,
} from '@tend/protocol';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { TendDaemonError } from '../errors.js';
import { diskFullError, isDiskFull } from '../runtime/disk-full.js';
import type { TaskSupervisor } from '../tasks/supervisor.js';
import { ClientConnection } from './client-connection.js';
import { defaultServerLimits, type ServerLimits } from './connection-limits.js';
import type { DaemonControl } from './handler.js';
import { HANDLERS } from './handlers/index.js';
import {
  removeOwnSocket,
  removeStaleSocket,
  socketIdentity,
  type SocketFileIdentity,
} from './socket-file.js';

/** Raised when a live daemon already answers on the socket. */
export class SocketInUseError extends Error {
  override name = 'SocketInUseError';
}

/**
 * The JSON-RPC server on the Unix socket: many clients at once, each one's
 * requests validated with the protocol's zod schemas and dispatched through
 * the handler table; domain errors become application-coded ResponseErrors,
 * anything else a generic internal error (details in the daemon log).
 * Clients are limited (see ServerLimits): so many connections, each with so
 * much queued and so many requests in flight, and a deadline to initialize.
 */
export class RpcServer {
  readonly connections = new Set<ClientConnection>();
  readonly limits: ServerLimits;
  private server: Server | undefined;
  private socketFile: SocketFileIdentity | undefined;
  private nextId = 1;

  constructor(
    private readonly supervisor: TaskSupervisor,
    private readonly daemon: Omit<DaemonControl, 'clientCount'>,
    private readonly logger: Logger,
    limits: Partial<ServerLimits> = {},
    /**
     * Called as each request arrives, before it is checked (the daemon's idle GC counts it as activity,
     * and the task ends still queued for their leftover scan are recorded first: TaskEnder.flushEnds).
     */
    private readonly onRequest: () => void = () => undefined,
  ) {
    this.limits = { ...defaultServerLimits(), ...limits };
    // First of the `change` listeners: clients hear of a change before the daemon's own bookkeeping
    // on it (output cap, cgroup reaper, watchdog…), which the task sent does not depend on (issue 13).
    supervisor.prependListener('change', (task, removed) =>
      this.notifyAll(TaskDidChange, removed ? { task, removed } : { task }),
    );
    supervisor.on('exit', (completion) => this.notifyAll(TaskDidExit, { completion }));
  }

  /** Sends the notification `def` to every initialized connection (docs/protocol.md, "Notifications"). */
  notifyAll<N extends NotificationMethod>(def: N, params: ParamsOf<N>): void {
    for (const connection of this.connections) if (connection.initialized) connection.notify(def, params);
  }

  /**
   * Listens on `socketPath` (mode 0600). A stale socket (a socket file that
   * refuses connections) is removed first; the caller holds the daemon lock, so
   * no other daemon can be binding it now. Anything else at the path is refused
   * and left untouched.
   * @throws SocketInUseError when something answers on the socket.
   * @throws SocketPathTakenError when the path holds a regular file, directory, symlink…
   */
  async listen(socketPath: string): Promise<void> {
    if (await socketAnswers(socketPath)) {
      throw new SocketInUseError(
        `something already answers on ${socketPath}; is another tend daemon running?`,
      );
    }
    removeStaleSocket(socketPath);
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(socketPath, 0o600);
    this.socketFile = socketIdentity(socketPath);
    // accept() failing (EMFILE, ENFILE) is emitted here; without a listener it would end the daemon.
    server.on('error', (error) => this.logger.error({ err: error }, 'accepting a connection failed'));
    this.server = server;
  }

  /** Stops accepting, closes every connection, removes the socket file if it is still the one bound here. */
  async close(socketPath: string): Promise<void> {
    for (const connection of this.connections) connection.dispose();
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    removeOwnSocket(socketPath, this.socketFile);
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.connections.size >= this.limits.maxConnections) {
      this.refuse(socket);
      return;
    }
    const connection = new ClientConnection(this.nextId++, socket, this.logger, {
      maxQueuedBytes: this.limits.maxQueuedBytes,
    });
    this.connections.add(connection);
    this.logger.debug({ connection: connection.id }, 'client connected');
    const initTimer = setTimeout(() => {
      if (connection.initialized) return;
      this.logger.warn(
        { connection: connection.id },
        `closing a connection that did not initialize within ${this.limits.initTimeoutMs} ms`,
      );
      socket.destroy();
    }, this.limits.initTimeoutMs);
    socket.on('close', () => {
      clearTimeout(initTimer);
      this.logger.debug(
        { connection: connection.id, client: connection.client?.name },
        'client disconnected',
      );
      this.connections.delete(connection);
      this.daemon.sessions.left(connection.id);
      connection.rpc.dispose();
    });
    connection.rpc.onRequest((method, params, token) => this.dispatch(connection, method, params, token));
    connection.rpc.onNotification(() => undefined);
    connection.rpc.onError(([error]) =>
      this.logger.debug({ connection: connection.id, err: error }, 'connection error'),
    );
    connection.rpc.listen();
  }

  private async dispatch(
    connection: ClientConnection,
    method: string,
    rawParams: unknown,
    token: { isCancellationRequested: boolean; onCancellationRequested(listener: () => void): unknown },
  ): Promise<unknown> {
    this.onRequest();
    const handler = HANDLERS.get(method);
    if (!handler) {
      return new ResponseError(
        ErrorCode.MethodNotFound,
        `unknown method ${JSON.stringify(method.slice(0, 100))}; see docs/protocol.md`,
        { reason: 'method_not_found' } satisfies ErrorData,
      );
    }
    if (!connection.initialized && handler.def !== DaemonInitialize) {
      return new ResponseError(ErrorCode.NotInitialized, `send ${DaemonInitialize.method} before ${method}`, {
        reason: 'not_initialized',
      } satisfies ErrorData);
    }
    if (connection.inFlight >= this.limits.maxRequestsInFlight) {
      return new ResponseError(
        ErrorCode.LimitExceeded,
        `this connection already has ${connection.inFlight} requests in flight (the limit); wait for some to be answered`,
        { reason: 'limit_exceeded', limit: this.limits.maxRequestsInFlight } satisfies ErrorData,
      );
    }
    connection.inFlight++;
    const abort = new AbortController();
    const onClosed = () => abort.abort();
    connection.closed.signal.addEventListener('abort', onClosed, { once: true });
    token.onCancellationRequested(() => abort.abort());
    try {
      const params = parseParams(handler.def, Array.isArray(rawParams) ? rawParams[0] : rawParams);
      return await handler.handle(params as never, {
        supervisor: this.supervisor,
        daemon: { ...this.daemon, clientCount: () => this.connections.size },
        connection,
        signal: abort.signal,
      });
    } catch (error) {
      return this.toResponseError(method, error);
    } finally {
      connection.inFlight--;
      connection.closed.signal.removeEventListener('abort', onClosed);
    }
  }

  /** Answers a connection over the limit with one limit_exceeded error (id null) and closes it. */
  private refuse(socket: Socket): void {
    this.logger.warn({ limit: this.limits.maxConnections }, 'refusing a connection over the limit');
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: ErrorCode.LimitExceeded,
        message: `the daemon already serves ${this.limits.maxConnections} connections (the limit); close some and retry`,
        data: { reason: 'limit_exceeded', limit: this.limits.maxConnections } satisfies ErrorData,
      },
    });
    socket.end(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    // A client that does not read must not keep the descriptor.
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private toResponseError(method: string, error: unknown): ResponseError<unknown> {
    if (error instanceof TendDaemonError) {
      return new ResponseError(error.code, error.message, { reason: error.reason, ...error.data });
    }
    if (isDiskFull(error)) {
      const full = diskFullError(this.daemon.stateDir, error);
      return new ResponseError(full.code, full.message, { reason: full.reason, ...full.data });
    }
    if (error instanceof InvalidParamsError) {
      return new ResponseError(ErrorCode.InvalidParams, error.message, {
        reason: 'invalid_params',
        issues: error.issues,
      } satisfies ErrorData);
    }
    this.logger.error({ err: error, method }, 'internal error');
    return new ResponseError(
      ErrorCode.InternalError,
      `internal error in ${method}; details in the daemon log`,
      {
        reason: 'internal_error',
      } satisfies ErrorData,
    );
  }
}

/** True when a process accepts connections on `socketPath` (a stale file refuses them). */
function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
