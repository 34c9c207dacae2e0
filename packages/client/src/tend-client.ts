import type {
  DaemonShutdown,
  DaemonStatus,
  ProjectDidProgress,
  ProjectDown,
  ProjectUp,
  TaskCompletions,
  TaskDidChange,
  TaskDidExit,
  TaskStats,
  TaskGet,
  TaskKill,
  TaskList,
  TaskOutput,
  TaskPrune,
  TaskRun,
  TaskWait,
} from '@tend/protocol';
import {
  Methods,
  type MethodRef,
  type ParamsOf,
  type RequestMethod,
  type ResultOf,
  type SignalName,
  type Task,
} from '@tend/protocol/wire';
import type { ConnectOptions, DaemonInfo } from './connect.js';
import { followOutput, type FollowChunk, type FollowOptions } from './follow.js';
import { InvalidParamsError } from './errors.js';
import { ReconnectingChannel } from './reconnecting-channel.js';
import type { Disposable } from './rpc-channel.js';

/** Params of {@link TendClient.run}: those of task/run, with `cwd` optional (default `process.cwd()`). */
export type RunParams = Omit<ParamsOf<typeof TaskRun>, 'cwd'> & { cwd?: string };

/**
 * A typed connection to the tend daemon. Create it with {@link TendClient.connect};
 * every method sends one request. Errors are {@link TendError} subclasses: the
 * class of the daemon's `data.reason` (TaskNotFoundError, AmbiguousIdError…),
 * InvalidParamsError for a bad param, ConnectionClosedError when the connection
 * closes before the answer.
 *
 * Daemon restarts (`tend daemon restart`, an upgrade) and crashes (`kill -9`) lose nothing
 * (unless `reconnect: false`): when the connection is lost the client re-establishes it with
 * connect's rules (auto-start, backoff, `timeoutMs` deadline, daemon/initialize with the same
 * client name and session) and {@link onReconnect} listeners hear of it. Idempotent calls resume:
 * {@link wait} waits again with what is left of its timeout, {@link follow} reads on from its last
 * `nextOffset` (no byte lost or repeated), {@link output}, {@link get}, {@link list}, {@link stats},
 * {@link status} and {@link completions} without `ack` are sent again. Calls that change things
 * ({@link run}, {@link kill}, {@link remove}, {@link shutdown}, {@link request}) are never re-sent:
 * if the connection is lost after sending, they fail with ConnectionClosedError (the daemon may or
 * may not have acted); sent while it is down, they reconnect first. After `tend daemon stop`
 * (a deliberate stop) the client does not reconnect — that would start a new daemon — and calls
 * fail with DaemonStoppedError.
 */
export class TendClient {
  private readonly channel: ReconnectingChannel;

  private constructor(channel: ReconnectingChannel) {
    this.channel = channel;
  }

  /** What daemon/initialize answered: `{version, protocolVersion, pid, startedAt, socket}`; the new daemon's after a reconnect. */
  get daemon(): DaemonInfo {
    return this.channel.daemon;
  }

  /**
   * Connects to the daemon on `resolvePaths(env).socketPath` (or `socketPath`),
   * starting it with `daemonCommand` when none answers and `autoStart` is on, and
   * sends daemon/initialize. A daemon with an older protocol is shut down (tasks
   * survive) and replaced once. One round trip once the daemon runs.
   * @throws DaemonUnreachableError no daemon answered within `timeoutMs` (default 10 000 ms), autoStart is
   *   off, or daemonCommand is missing; the message ends with the daemon log's last lines.
   * @throws ProtocolMismatchError the daemon refused this client as too old, or is still older after a restart.
   * @throws LimitExceededError the daemon refused the connection: it serves as many as its limit (`data.limit`).
   * @throws SocketPathTooLongError the socket path exceeds 103 bytes.
   */
  static async connect(options: ConnectOptions = {}): Promise<TendClient> {
    return new TendClient(await ReconnectingChannel.open(options));
  }

  /**
   * Sends any request method object with its params and resolves with its result. Never re-sent
   * after a connection loss (see the class comment).
   * @throws TendError subclass of the daemon's error reason; ConnectionClosedError; DaemonUnreachableError
   *   when a lost connection could not be re-established; DaemonStoppedError.
   */
  request<M extends RequestMethod>(method: MethodRef<M>, params: ParamsOf<M>): Promise<ResultOf<M>> {
    return this.channel.request(method, params);
  }

  /**
   * Starts `command` in the background (task/run) and resolves with the task once
   * its process runs. `cwd` defaults to this process's cwd; `timeoutMs` is in ms.
   * With `name` and `reuse: true`, a live task of that name with the same command
   * and cwd is returned instead (`reused: true`). The task gets the daemon's environment and umask
   * unless told otherwise: spread {@link callerEnvironment}() into `params` to give it this process's
   * (as the `tend` CLI does). `lifetime: 'session'` needs this client's `session` (ConnectOptions): the task is
   * stopped once no client of that session has been connected for the daemon's `sessionGraceMs` (a client with a
   * session reconnects at once after a daemon restart, so keeping it open keeps the task); `ttlMs` stops it that
   * many ms after its start (docs/protocol.md, "Lifetime policies").
   * `memoryMaxBytes` and `pidsMax` cap its cgroup (memory.max, pids.max) where the daemon has cgroup containment.
   * @throws InvalidCwdError, NameInUseError, LimitExceededError, LimitUnavailableError (a limit the daemon cannot
   *   enforce; no task is created), DiskFullError, InvalidParamsError (a task whose
   *   process cannot be started is no error: it is returned ended `failed`, its `reason` saying why).
   */
  run(params: RunParams): Promise<ResultOf<typeof TaskRun>> {
    return this.request(Methods.TaskRun, { ...params, cwd: params.cwd ?? process.cwd() });
  }

  /**
   * Tasks, newest first (task/list), filtered by `state`, `name`, `session`, and `cwd` (that directory and
   * below); at most `limit` (default 100, max 1000).
   * @throws InvalidParamsError.
   */
  async list(params: ParamsOf<typeof TaskList> = {}): Promise<Task[]> {
    return (await this.channel.requestRetrying(Methods.TaskList, () => params)).tasks;
  }

  /**
   * One task by id, unique id prefix or name (task/get), with the names of its captured variables
   * (`capturedEnvNames`); with `{ env: true }` their values too (`capturedEnv`).
   * @throws TaskNotFoundError, AmbiguousIdError (see `candidates`).
   */
  get(id: string, options: { env?: boolean } = {}): Promise<ResultOf<typeof TaskGet>> {
    return this.channel.requestRetrying(Methods.TaskGet, () => (options.env ? { id, env: true } : { id }));
  }

  /**
   * A bounded read of the task's output (task/output): from `offset`, `head` or `tail`
   * (bytes or lines), at most `limit` bytes (default 64 KiB); resume at `nextOffset`. Sent again after a
   * connection loss (a `since: 'last'` read too: the daemon moves the cursor only when the answer can be delivered).
   * @throws TaskNotFoundError, AmbiguousIdError, InvalidParamsError.
   */
  output(params: ParamsOf<typeof TaskOutput>): Promise<ResultOf<typeof TaskOutput>> {
    return this.channel.requestRetrying(Methods.TaskOutput, () => params);
  }

  /**
   * Waits until the task ends — or `until` holds: `{output: regex}`, `{port: n}`, `{http: url}` — or
   * `timeoutMs` (ms) passes (task/wait): `{outcome: 'exited' | 'timeout' | 'output' | 'port' | 'http', match?, task}`.
   * The daemon does the watching; nothing polls on this side. Without `timeoutMs` it waits as long as the task runs.
   * Across a daemon restart or crash it reconnects and waits again with the time left (the new daemon
   * adopted the task, or read how it ended from its exit record).
   * @throws TaskNotFoundError, AmbiguousIdError, InvalidParamsError; DaemonUnreachableError when the
   *   daemon could not be reached again; DaemonStoppedError after `tend daemon stop`.
   */
  wait(
    id: string,
    options: { timeoutMs?: number; until?: ParamsOf<typeof TaskWait>['until'] } = {},
  ): Promise<ResultOf<typeof TaskWait>> {
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    let sent = false;
    return this.channel.requestRetrying(Methods.TaskWait, () => {
      // The first send carries timeoutMs as given; a re-send after a reconnect what is left of it.
      const timeoutMs =
        deadline === undefined || !sent ? options.timeoutMs : Math.max(0, deadline - Date.now());
      sent = true;
      return { id, timeoutMs, until: options.until };
    });
  }

  /**
   * Follows the task's output as it is written: yields `{data, offset, nextOffset}` chunks from
   * `offset` (default 0; or where `reader`'s cursor stands with `since: 'last'`) until the task has
   * ended and everything is read. Each step is one long-polling task/output (`waitMs`), so new bytes
   * arrive as soon as the daemon sees them, and a consumer that stops pulling stops the reads
   * (backpressure: nothing is buffered for it). Breaking out of the loop ends it. Across a daemon restart
   * or crash it reconnects and reads on from the last `nextOffset` it yielded: every byte exactly once.
   * @throws TaskNotFoundError, AmbiguousIdError; DaemonUnreachableError, DaemonStoppedError (see {@link wait}).
   */
  follow(id: string, options: FollowOptions = {}): AsyncGenerator<FollowChunk> {
    return followOutput((params) => this.output(params), id, options);
  }

  /**
   * The completion inbox (task/completions): ends of tasks of `session` (default: this connection's)
   * not acknowledged yet, oldest first; `ack: true` acknowledges them; `after: seq` lists every end
   * after that sequence number instead (to resume after a reconnect).
   */
  completions(params: ParamsOf<typeof TaskCompletions> = {}): Promise<ResultOf<typeof TaskCompletions>> {
    // Acknowledging changes the inbox: a lost answer must not ack twice what was never seen.
    if (params.ack) return this.request(Methods.TaskCompletions, params);
    return this.channel.requestRetrying(Methods.TaskCompletions, () => params);
  }

  /**
   * CPU %, RSS (bytes) and listening TCP ports of live tasks, summed over each process group
   * (task/stats); without ids, every live task.
   * @throws TaskNotFoundError, AmbiguousIdError.
   */
  async stats(ids?: string[]): Promise<ResultOf<typeof TaskStats>['stats']> {
    return (await this.channel.requestRetrying(Methods.TaskStats, () => (ids ? { ids } : {}))).stats;
  }

  /**
   * Signals the task's process group (task/kill); `signal` defaults to SIGTERM, and
   * SIGKILL follows after `graceMs` (ms, default 10 000) for terminating signals. With a
   * terminating signal the daemon answers once the task has ended (at most `graceMs` + 5 000 ms),
   * with `stop: {signalled, remaining}` (processes signalled, processes left); `wait: false` answers
   * at once. An ended task whose leftovers still run has them stopped. No request timeout applies
   * on this side: the answer may take the whole grace period.
   * @throws TaskNotFoundError, AmbiguousIdError, NotRunningError.
   */
  async kill(
    id: string,
    options: { signal?: SignalName; graceMs?: number; wait?: boolean } = {},
  ): Promise<ResultOf<typeof TaskKill>> {
    const params = { id, signal: options.signal, graceMs: options.graceMs };
    if (options.wait === undefined) return this.request(Methods.TaskKill, params);
    try {
      return await this.request(Methods.TaskKill, { ...params, wait: options.wait });
    } catch (error) {
      // A daemon older than the `wait` param refuses it as an unknown field (and did nothing); it never waits.
      if (!(error instanceof InvalidParamsError)) throw error;
      return this.request(Methods.TaskKill, params);
    }
  }

  /**
   * Runs a task again with its recorded command, cwd and environment, under the same id (task/restart;
   * `restarts` + 1, output appended): a live task is stopped first (SIGTERM, SIGKILL after `graceMs`, ms,
   * default the daemon's killGraceMs), a `restarting` one starts its next run now, an ended one runs again.
   * Resolves with the task once its new run is running (or has ended). Never sent twice: a lost connection
   * rejects it (a restart is not safe to repeat).
   * @throws TaskNotFoundError, AmbiguousIdError, NameInUseError (an ended task whose name a live task took),
   *   LimitExceededError, DiskFullError.
   */
  async restart(task: string, options: { graceMs?: number } = {}): Promise<Task> {
    return this.request(Methods.TaskRestart, { task, graceMs: options.graceMs });
  }

  /**
   * Deletes an ended task with its output (task/remove) and returns it as it was;
   * `force` kills a live task first.
   * @throws TaskNotFoundError, AmbiguousIdError, TaskLiveError (live task without force), SignalFailedError (with force, the task did not end within 10 s of SIGKILL).
   */
  async remove(id: string, options: { force?: boolean } = {}): Promise<Task> {
    return (await this.request(Methods.TaskRemove, { id, force: options.force })).task;
  }

  /**
   * Removes ended tasks with their output and inbox entries (task/prune), like `docker container prune`:
   * every ended task, or those that ended at least `olderThanMs` ago and/or are in one of `state`;
   * `dryRun` only reports them. Live tasks are never touched.
   * @returns `{removed: ids, count, bytesFreed (bytes), dryRun}`.
   * @throws InvalidParamsError.
   */
  prune(params: ParamsOf<typeof TaskPrune> = {}): Promise<ResultOf<typeof TaskPrune>> {
    return this.request(Methods.TaskPrune, params);
  }

  /** Facts about the daemon (daemon/status): pid, version, uptime, task counts by state, paths. */
  status(): Promise<ResultOf<typeof DaemonStatus>> {
    return this.channel.requestRetrying(Methods.DaemonStatus, () => ({}));
  }

  /**
   * Stops the daemon after it replies (daemon/shutdown): `{pid, killedTasks}`. Tasks keep
   * running unless `killTasks`, which stops them (SIGTERM, SIGKILL after `graceMs` ms, default 10 000).
   * Without `restart` it is a deliberate stop: other clients end with DaemonStoppedError; with
   * `restart: true` (a new daemon is started next) they reconnect. This client does not reconnect either way.
   */
  async shutdown(
    options: { killTasks?: boolean; graceMs?: number; restart?: boolean } = {},
  ): Promise<ResultOf<typeof DaemonShutdown>> {
    this.channel.stopReconnecting();
    const params = { killTasks: options.killTasks, graceMs: options.graceMs };
    try {
      return await this.request(Methods.DaemonShutdown, { ...params, restart: options.restart });
    } catch (error) {
      // A daemon older than the `restart` param refuses it as an unknown field (and did nothing): plain shutdown.
      if (options.restart === undefined || !(error instanceof InvalidParamsError)) throw error;
      return this.request(Methods.DaemonShutdown, params);
    }
  }

  /** Calls `listener` with `{task, removed?}` on every task/didChange notification; `dispose()` stops it. */
  onTaskDidChange(listener: (params: ParamsOf<typeof TaskDidChange>) => void): Disposable {
    return this.channel.onNotification(Methods.TaskDidChange, listener);
  }

  /**
   * Brings up a project's tasks (project/up): `names` (default: all of `tasks`) and what they depend on,
   * in dependency order, each waiting in the daemon for its dependencies' conditions and then for its own
   * readiness check. Answers once every task has settled: `{project, ok, tasks: [{name, state, task?,
   * reused?, detail?, lastLines?}]}`; `onProgress` hears each project/didProgress meanwhile. Never re-sent
   * (it starts tasks). Build the params from a tend.toml with `@tend/client/project-file`
   * (`locateProjectFile`, `projectUpParams`).
   * @throws InvalidParamsError for a cycle, an unknown dependency or name (nothing started).
   */
  async up(
    params: ParamsOf<typeof ProjectUp>,
    onProgress?: (progress: ParamsOf<typeof ProjectDidProgress>) => void,
  ): Promise<ResultOf<typeof ProjectUp>> {
    const listening = onProgress
      ? this.channel.onNotification(Methods.ProjectDidProgress, (progress) => {
          if (progress.project === params.project) onProgress(progress);
        })
      : undefined;
    try {
      return await this.channel.request(Methods.ProjectUp, params);
    } finally {
      listening?.dispose();
    }
  }

  /**
   * Stops a project's live tasks (project/down): `names` (default: all) and what depends on them, dependants
   * first, each after the ones depending on it have ended. Returns the tasks stopped, in that order.
   */
  async down(params: ParamsOf<typeof ProjectDown>): Promise<ResultOf<typeof ProjectDown>['tasks']> {
    return (await this.channel.request(Methods.ProjectDown, params)).tasks;
  }

  /** Calls `listener` with `{completion}` (with its `seq`) on every task/didExit notification. */
  onTaskDidExit(listener: (params: ParamsOf<typeof TaskDidExit>) => void): Disposable {
    return this.channel.onNotification(Methods.TaskDidExit, listener);
  }

  /**
   * Calls `listener` with the new daemon's `{pid, version, …}` each time a lost connection has been
   * re-established (e.g. to print "reconnected to the tend daemon (pid N)").
   */
  onReconnect(listener: (daemon: DaemonInfo) => void): Disposable {
    return this.channel.onReconnect(listener);
  }

  /**
   * Calls `listener` once when the connection is lost for good (not after {@link close}): lost with
   * `reconnect: false`, or a reconnect failed (DaemonUnreachableError, DaemonStoppedError: passed as `error`).
   */
  onClose(listener: (error?: Error) => void): Disposable {
    return this.channel.onClose(listener);
  }

  /** True once {@link close} was called, or the connection is lost and will not be re-established. */
  get isClosed(): boolean {
    return this.channel.isClosed;
  }

  /** Closes the connection for good (no reconnect); pending requests reject with ConnectionClosedError. Idempotent. */
  close(): Promise<void> {
    return this.channel.close();
  }
}
