import type {
  DaemonShutdown,
  DaemonStatus,
  TaskCompletions,
  TaskDidChange,
  TaskDidExit,
  TaskStats,
  TaskGet,
  TaskKill,
  TaskList,
  TaskOutput,
  TaskRemove,
  TaskRun,
  TaskWait,
} from '@tend/protocol';
import { Methods, type MethodRef, type ParamsOf, type RequestMethod, type ResultOf, type SignalName, type Task } from '@tend/protocol/wire';
import { connectDaemon, type ConnectOptions, type DaemonInfo } from './connect.js';
import { followOutput, type FollowChunk, type FollowOptions } from './follow.js';
import type { Disposable, RpcChannel } from './rpc-channel.js';

/** Params of {@link TendClient.run}: those of task/run, with `cwd` optional (default `process.cwd()`). */
export type RunParams = Omit<ParamsOf<typeof TaskRun>, 'cwd'> & { cwd?: string };

/**
 * A typed connection to the tend daemon. Create it with {@link TendClient.connect};
 * every method sends one request. Errors are {@link TendError} subclasses: the
 * class of the daemon's `data.reason` (TaskNotFoundError, AmbiguousIdError…),
 * InvalidParamsError for a bad param, ConnectionClosedError when the connection
 * closes before the answer.
 */
export class TendClient {
  /** What daemon/initialize answered: `{version, protocolVersion, pid, startedAt, socket}`. */
  readonly daemon: DaemonInfo;
  private readonly channel: RpcChannel;

  private constructor(channel: RpcChannel, daemon: DaemonInfo) {
    this.channel = channel;
    this.daemon = daemon;
  }

  /**
   * Connects to the daemon on `resolvePaths(env).socketPath` (or `socketPath`),
   * starting it with `daemonCommand` when none answers and `autoStart` is on, and
   * sends daemon/initialize. A daemon with an older protocol is shut down (tasks
   * survive) and replaced once. One round trip once the daemon runs.
   * @throws DaemonUnreachableError no daemon answered within `timeoutMs` (default 10 000 ms), autoStart is
   *   off, or daemonCommand is missing; the message ends with the daemon log's last lines.
   * @throws ProtocolMismatchError the daemon refused this client as too old, or is still older after a restart.
   * @throws SocketPathTooLongError the socket path exceeds 103 bytes.
   */
  static async connect(options: ConnectOptions = {}): Promise<TendClient> {
    const { channel, daemon } = await connectDaemon(options);
    return new TendClient(channel, daemon);
  }

  /**
   * Sends any request method object with its params and resolves with its result.
   * @throws TendError subclass of the daemon's error reason; ConnectionClosedError.
   */
  request<M extends RequestMethod>(method: MethodRef<M>, params: ParamsOf<M>): Promise<ResultOf<M>> {
    return this.channel.request(method, params);
  }

  /**
   * Starts `command` in the background (task/run) and resolves with the task once
   * its process runs. `cwd` defaults to this process's cwd; `timeoutMs` is in ms.
   * With `name` and `reuse: true`, a live task of that name with the same command
   * and cwd is returned instead (`reused: true`).
   * @throws InvalidCwdError, NameInUseError, SpawnFailedError, LimitExceededError, ShuttingDownError, InvalidParamsError.
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
    return (await this.request(Methods.TaskList, params)).tasks;
  }

  /**
   * One task by id, unique id prefix or name (task/get).
   * @throws TaskNotFoundError, AmbiguousIdError (see `candidates`).
   */
  get(id: string): Promise<Task> {
    return this.request(Methods.TaskGet, { id });
  }

  /**
   * A bounded read of the task's output (task/output): from `offset`, `head` or `tail`
   * (bytes or lines), at most `limit` bytes (default 64 KiB); resume at `nextOffset`.
   * @throws TaskNotFoundError, AmbiguousIdError, InvalidParamsError.
   */
  output(params: ParamsOf<typeof TaskOutput>): Promise<ResultOf<typeof TaskOutput>> {
    return this.request(Methods.TaskOutput, params);
  }

  /**
   * Waits until the task ends — or `until` holds: `{output: regex}`, `{port: n}`, `{http: url}` — or
   * `timeoutMs` (ms) passes (task/wait): `{outcome: 'exited' | 'timeout' | 'output' | 'port' | 'http', match?, task}`.
   * The daemon does the watching; nothing polls on this side. Without `timeoutMs` it waits as long as the task runs.
   * @throws TaskNotFoundError, AmbiguousIdError, InvalidParamsError, ConnectionClosedError if the daemon goes away meanwhile.
   */
  wait(
    id: string,
    options: { timeoutMs?: number; until?: ParamsOf<typeof TaskWait>['until'] } = {},
  ): Promise<ResultOf<typeof TaskWait>> {
    return this.request(Methods.TaskWait, { id, timeoutMs: options.timeoutMs, until: options.until });
  }

  /**
   * Follows the task's output as it is written: yields `{data, offset, nextOffset}` chunks from
   * `offset` (default 0; or where `reader`'s cursor stands with `since: 'last'`) until the task has
   * ended and everything is read. Each step is one long-polling task/output (`waitMs`), so new bytes
   * arrive as soon as the daemon sees them, and a consumer that stops pulling stops the reads
   * (backpressure: nothing is buffered for it). Breaking out of the loop ends it.
   * @throws TaskNotFoundError, AmbiguousIdError, ConnectionClosedError.
   */
  follow(id: string, options: FollowOptions = {}): AsyncGenerator<FollowChunk> {
    return followOutput((params) => this.request(Methods.TaskOutput, params), id, options);
  }

  /**
   * The completion inbox (task/completions): ends of tasks of `session` (default: this connection's)
   * not acknowledged yet, oldest first; `ack: true` acknowledges them; `after: seq` lists every end
   * after that sequence number instead (to resume after a reconnect).
   */
  completions(params: ParamsOf<typeof TaskCompletions> = {}): Promise<ResultOf<typeof TaskCompletions>> {
    return this.request(Methods.TaskCompletions, params);
  }

  /**
   * CPU %, RSS (bytes) and listening TCP ports of live tasks, summed over each process group
   * (task/stats); without ids, every live task.
   * @throws TaskNotFoundError, AmbiguousIdError.
   */
  async stats(ids?: string[]): Promise<ResultOf<typeof TaskStats>['stats']> {
    return (await this.request(Methods.TaskStats, ids ? { ids } : {})).stats;
  }

  /**
   * Signals the task's process group (task/kill); `signal` defaults to SIGTERM, and
   * SIGKILL follows after `graceMs` (ms, default 10 000) for terminating signals.
   * @throws TaskNotFoundError, AmbiguousIdError, NotRunningError, SignalFailedError.
   */
  kill(id: string, options: { signal?: SignalName; graceMs?: number } = {}): Promise<Task> {
    return this.request(Methods.TaskKill, { id, signal: options.signal, graceMs: options.graceMs });
  }

  /**
   * Deletes an ended task with its output (task/remove) and returns it as it was;
   * `force` kills a live task first.
   * @throws TaskNotFoundError, AmbiguousIdError, TaskLiveError (live task without force).
   */
  async remove(id: string, options: { force?: boolean } = {}): Promise<Task> {
    return (await this.request(Methods.TaskRemove, { id, force: options.force })).task;
  }

  /** Facts about the daemon (daemon/status): pid, version, uptime, task counts by state, paths. */
  status(): Promise<ResultOf<typeof DaemonStatus>> {
    return this.request(Methods.DaemonStatus, {});
  }

  /**
   * Stops the daemon after it replies (daemon/shutdown): `{pid, killedTasks}`. Tasks keep
   * running unless `killTasks`, which stops them (SIGTERM, SIGKILL after `graceMs` ms, default 10 000).
   */
  shutdown(options: { killTasks?: boolean; graceMs?: number } = {}): Promise<ResultOf<typeof DaemonShutdown>> {
    return this.request(Methods.DaemonShutdown, { killTasks: options.killTasks, graceMs: options.graceMs });
  }

  /** Calls `listener` with `{task, removed?}` on every task/didChange notification; `dispose()` stops it. */
  onTaskDidChange(listener: (params: ParamsOf<typeof TaskDidChange>) => void): Disposable {
    return this.channel.onNotification(Methods.TaskDidChange, listener);
  }

  /** Calls `listener` with `{completion}` (with its `seq`) on every task/didExit notification. */
  onTaskDidExit(listener: (params: ParamsOf<typeof TaskDidExit>) => void): Disposable {
    return this.channel.onNotification(Methods.TaskDidExit, listener);
  }

  /** Calls `listener` once if the connection to the daemon is lost (not after {@link close}). */
  onClose(listener: () => void): Disposable {
    return this.channel.onClose(listener);
  }

  /** True once the connection is closed or lost. */
  get isClosed(): boolean {
    return this.channel.isClosed;
  }

  /** Closes the connection; pending requests reject with ConnectionClosedError. Idempotent. */
  close(): Promise<void> {
    return this.channel.close();
  }
}
