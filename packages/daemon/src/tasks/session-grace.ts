import type { Logger } from 'pino';
import { isDiskFull } from '../runtime/disk-full.js';
import type { TaskRow, TaskStore } from '../store/task-store.js';
import prettyMs from 'pretty-ms';
import { DISK_FULL_RETRY_MS } from './task-timers.js';

/** What {@link SessionGrace} needs to stop a task: the stopper's stop (SIGTERM, SIGKILL after `graceMs`). */
export interface SessionStopper {
  stop(row: TaskRow, signal: 'SIGTERM', graceMs: number, cause: 'session', reason: string): void;
}

/** Settings of a {@link SessionGrace}. */
export interface SessionGraceOptions {
  store: TaskStore;
  stopper: SessionStopper;
  logger: Logger;
  /** Config `sessionGraceMs`: how long a session may have no client before its session tasks are stopped, in ms. */
  sessionGraceMs: number;
  /** Config `killGraceMs`: SIGTERM to SIGKILL of those stops, in ms. */
  killGraceMs: number;
}

/**
 * The `session` lifetime policy (task/run `lifetime: "session"`; docs/design.md, "Lifetime policies"): a
 * live task with that lifetime is stopped — SIGTERM, SIGKILL after `killGraceMs`, cause `session`, so it ends
 * `killed` — once no client of its session has been connected for `sessionGraceMs`. A client belongs to the
 * session it named in `daemon/initialize`. The grace starts when the session's last client disconnects and
 * is cancelled when one (re)initializes with that session in time. Presence is not stored: a new daemon has
 * no client at all, so {@link start} arms the grace from its start for every session that has live session
 * tasks (a daemon restart, `kill -9` included, never shortens or skips the grace).
 */
export class SessionGrace {
  /** Initialized connections that named a session: connection id → session. */
  private readonly sessionOf = new Map<number, string>();
  /** Connected clients per session. */
  private readonly clients = new Map<string, number>();
  /** Pending stops: session → its timer. */
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: SessionGraceOptions) {}

  /** Arms the grace of every session that has live session tasks (at daemon start, before clients connect). */
  start(): void {
    for (const session of this.sessionsWithTasks()) if (!this.clients.has(session)) this.arm(session);
  }

  /**
   * Connection `connection` initialized with `session` (or none): a pending stop of that session is
   * cancelled. A connection that initializes again leaves its former session first.
   */
  joined(connection: number, session: string | undefined): void {
    this.left(connection);
    if (session === undefined) return;
    this.sessionOf.set(connection, session);
    this.clients.set(session, (this.clients.get(session) ?? 0) + 1);
    const timer = this.timers.get(session);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(session);
      this.options.logger.info(
        { session },
        'a client of the session reconnected: its session tasks are kept',
      );
    }
  }

  /** Connection `connection` closed: when it was its session's last client, that session's grace starts. */
  left(connection: number): void {
    const session = this.sessionOf.get(connection);
    if (session === undefined) return;
    this.sessionOf.delete(connection);
    const count = (this.clients.get(session) ?? 1) - 1;
    if (count > 0) {
      this.clients.set(session, count);
      return;
    }
    this.clients.delete(session);
    if (this.sessionsWithTasks().has(session)) this.arm(session);
  }

  /** Whether a stop of `session`'s session tasks is pending (its grace is running). */
  pending(session: string): boolean {
    return this.timers.has(session);
  }

  /** Cancels every pending stop (daemon shutdown). */
  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(session: string, delayMs = this.options.sessionGraceMs): void {
    const existing = this.timers.get(session);
    if (existing) clearTimeout(existing);
    this.options.logger.info(
      { session, graceMs: delayMs },
      'no client of the session is connected: its session tasks are stopped when the grace ends',
    );
    const timer = setTimeout(() => {
      this.timers.delete(session);
      if (!this.clients.has(session)) this.expire(session);
    }, delayMs);
    timer.unref();
    this.timers.set(session, timer);
  }

  /** Stops every live session task of `session` that is not already stopping. */
  private expire(session: string): void {
    const { stopper, sessionGraceMs, killGraceMs } = this.options;
    const reason = `stopped: no client of session ${session} connected for ${prettyMs(sessionGraceMs)}`;
    for (const row of this.sessionTasks(session)) {
      if (row.state === 'stopping') continue;
      try {
        stopper.stop(row, 'SIGTERM', killGraceMs, 'session', reason);
      } catch (error) {
        // The stop intent could not be recorded (nothing was signalled): try again soon, never crash.
        if (!isDiskFull(error)) throw error;
        this.arm(session, DISK_FULL_RETRY_MS);
        return;
      }
    }
  }

  private sessionTasks(session: string): TaskRow[] {
    return this.options.store.live().filter((row) => row.lifetime === 'session' && row.session === session);
  }

  private sessionsWithTasks(): Set<string> {
    const sessions = new Set<string>();
    for (const row of this.options.store.live())
      if (row.lifetime === 'session' && row.session !== undefined) sessions.add(row.session);
    return sessions;
  }
}
