import type { ParsedParamsOf, RequestMethod, ResultOf } from '@tend/protocol';
import type { PruneOutcome, PruneRequest } from '../tasks/retention.js';
import type { TaskSupervisor } from '../tasks/supervisor.js';
import type { ClientConnection } from './client-connection.js';

/** Facts and controls of the running daemon that handlers need. */
export interface DaemonControl {
  pid: number;
  startedAt: number;
  socketPath: string;
  stateDir: string;
  logPath: string;
  /** Connections open now. */
  clientCount(): number;
  /** Removes (or, dry, lists) ended tasks matching `request` (task/prune). */
  prune(request: PruneRequest): PruneOutcome;
  /**
   * Stops the daemon after the current reply is written; `restart: false` marks it a deliberate stop
   * (stopped.json), after which clients do not reconnect.
   */
  requestShutdown(options: { killTasks: boolean; graceMs: number; restart: boolean }): number;
  /** Which session each connection belongs to, for the session lifetime policy (tasks/session-grace.ts). */
  sessions: SessionPresence;
}

/** Told when a connection joins a session (daemon/initialize) and when it leaves (closes). */
export interface SessionPresence {
  /** Connection `connection` initialized with `session` (undefined: none). */
  joined(connection: number, session: string | undefined): void;
  /** Connection `connection` closed. */
  left(connection: number): void;
}

/** What a handler is given besides its validated params. */
export interface HandlerContext {
  supervisor: TaskSupervisor;
  daemon: DaemonControl;
  connection: ClientConnection;
  /** Aborts when the client goes away (or cancels the request). */
  signal: AbortSignal;
}

/** One row of the dispatch table: a protocol method object and a thin function that serves it. */
export interface Handler<M extends RequestMethod = RequestMethod> {
  def: M;
  handle(params: ParsedParamsOf<M>, context: HandlerContext): ResultOf<M> | Promise<ResultOf<M>>;
}

/** Declares a handler with its types tied to the method object. */
export function defineHandler<M extends RequestMethod>(
  def: M,
  handle: (params: ParsedParamsOf<M>, context: HandlerContext) => ResultOf<M> | Promise<ResultOf<M>>,
): Handler<M> {
  return { def, handle };
}
