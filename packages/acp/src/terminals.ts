import { isAbsolute } from 'node:path';
import {
  type ClientApp,
  type CreateTerminalRequest,
  type CreateTerminalResponse,
  type KillTerminalRequest,
  type KillTerminalResponse,
  type ReleaseTerminalRequest,
  type ReleaseTerminalResponse,
  RequestError,
  type TerminalExitStatus,
  type TerminalOutputRequest,
  type TerminalOutputResponse,
  type WaitForTerminalExitRequest,
  type WaitForTerminalExitResponse,
} from '@agentclientprotocol/sdk';
import { callerEnvironment, type Task, type TendClient } from '@tend/client';
import { LIVE_STATES, MAX_OUTPUT_LIMIT } from '@tend/protocol/wire';
import { formatTerminalId, parseTerminalId, type TerminalRef } from './terminal-id.js';
import { keepEnd, shellLine } from './text.js';

/** The part of TendClient the terminals use. */
export type TerminalTendApi = Pick<TendClient, 'run' | 'get' | 'output' | 'wait' | 'kill' | 'remove'>;

/**
 * Most bytes `terminal/output` returns, when `outputByteLimit` was not given or is larger: 1 MiB, the most
 * one task/output read returns (MAX_OUTPUT_LIMIT). The end of the output is kept and `truncated` says so.
 */
export const DEFAULT_OUTPUT_BYTE_LIMIT = MAX_OUTPUT_LIMIT;
/** Grace between SIGTERM and SIGKILL of `terminal/kill` and `terminal/release`, in ms (a terminal's Ctrl-C is quick). */
export const DEFAULT_TERMINAL_KILL_GRACE_MS = 2_000;

/** Options of {@link tendTerminals}. */
export interface TendTerminalsOptions {
  /**
   * The daemon client, or a function that gives it (called per request; e.g. a provider that reconnects).
   * Connect it with `autoStart` so that a crashed daemon is started again; its `session` is recorded on the tasks.
   */
  client: TerminalTendApi | (() => TerminalTendApi | Promise<TerminalTendApi>);
  /** Working directory of a terminal created without `cwd` (absolute); default this process's cwd. */
  cwd?: string;
  /**
   * The environment tasks start from (the editor's): default this process's environment, laid over the daemon's
   * ({@link callerEnvironment} with `overDaemon`); the request's `env` goes over it.
   */
  env?: NodeJS.ProcessEnv;
  /** `terminal/kill` and `terminal/release` grace, ms; default {@link DEFAULT_TERMINAL_KILL_GRACE_MS}. */
  killGraceMs?: number;
  /**
   * Lifetime of the tasks (task/run `lifetime`): default "persistent", so that an agent's command survives the
   * editor; "session" stops them once no client of the client's session has been connected for the daemon's grace.
   */
  lifetime?: 'persistent' | 'session';
}

/**
 * The five ACP v1 terminal methods served by the tend daemon: each terminal is a tend task, so its command
 * and its output survive the editor (and the daemon: a `terminal/wait_for_exit` pending when the daemon
 * crashes is sent again to the new one and answers with the true exit status). Shapes are ACP's
 * (@agentclientprotocol/sdk schema types, https://agentclientprotocol.com/protocol/terminals):
 *
 * - `createTerminal` runs `command` (with `args`, each shell-quoted; without, `command` is a shell command line)
 *   in `cwd` with `env`, and answers `{terminalId}` at once;
 * - `terminalOutput` answers `{output, truncated, exitStatus?}`: the last `outputByteLimit` bytes, cut at a UTF-8
 *   character boundary (so possibly a few bytes fewer), `truncated` when bytes before them were left out;
 *   `exitStatus` once the command has ended;
 * - `waitForTerminalExit` answers `{exitCode, signal}` once it has ended (`null` for the one that does not
 *   apply; both null when tend lost its exit status);
 * - `killTerminal` sends SIGTERM to the command's process group (SIGKILL after the grace) and answers once it has
 *   ended; the terminal stays readable;
 * - `releaseTerminal` kills a live command the same way and deletes the task with its output: the id is invalid
 *   afterwards.
 *
 * An unknown or released terminal id answers ACP's resource-not-found error (-32002) naming it; a relative `cwd`
 * answers invalid params.
 */
export class TendTerminals {
  private readonly released = new Set<string>();

  constructor(private readonly options: TendTerminalsOptions) {}

  /** terminal/create. @throws RequestError invalid params (relative cwd), the client's errors (invalid_cwd…). */
  async createTerminal(params: CreateTerminalRequest): Promise<CreateTerminalResponse> {
    const cwd = params.cwd ?? this.options.cwd ?? process.cwd();
    if (!isAbsolute(cwd))
      throw RequestError.invalidParams({ cwd }, `cwd must be an absolute path, not ${JSON.stringify(cwd)}`);
    const limit = params.outputByteLimit ?? undefined;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0))
      throw RequestError.invalidParams(
        { outputByteLimit: limit },
        `outputByteLimit must be a whole number of bytes (0 or more), not ${limit}`,
      );
    const env = Object.fromEntries((params.env ?? []).map((v) => [v.name, v.value]));
    const tend = await this.tend();
    const task = await tend.run({
      command: shellLine(params.command, params.args ?? []),
      cwd,
      ...callerEnvironment({ env: this.options.env ?? process.env, overDaemon: true }),
      env,
      lifetime: this.options.lifetime ?? 'persistent',
    });
    return {
      terminalId: formatTerminalId({
        taskId: task.id,
        ...(limit !== undefined ? { outputByteLimit: limit } : {}),
      }),
    };
  }

  /** terminal/output. @throws RequestError resource not found (unknown or released terminal). */
  async terminalOutput(params: TerminalOutputRequest): Promise<TerminalOutputResponse> {
    const ref = this.refOf(params.terminalId);
    const tend = await this.tend();
    const task = await this.lookUp(tend, params.terminalId, ref);
    const limit = Math.min(ref.outputByteLimit ?? DEFAULT_OUTPUT_BYTE_LIMIT, DEFAULT_OUTPUT_BYTE_LIMIT);
    let output = '';
    let truncated = task.outputBytes > 0 && limit === 0;
    if (limit > 0) {
      const read = await tend.output({ id: task.id, tail: { bytes: limit }, limit, encoding: 'base64' });
      const kept = keepEnd(Buffer.from(read.data, 'base64'), read.offset > 0);
      output = kept.text;
      truncated = read.offset > 0 || kept.cutBytes > 0;
    }
    // An exit status only for an end seen before the read: then `output` holds all the output there is.
    return { output, truncated, ...(isLive(task) ? {} : { exitStatus: exitStatusOf(task) }) };
  }

  /** terminal/wait_for_exit: waits as long as the command runs, across daemon restarts. @throws RequestError resource not found. */
  async waitForTerminalExit(params: WaitForTerminalExitRequest): Promise<WaitForTerminalExitResponse> {
    const ref = this.refOf(params.terminalId);
    const tend = await this.tend();
    const { task } = await this.translate(params.terminalId, () => tend.wait(ref.taskId));
    return exitStatusOf(task);
  }

  /** terminal/kill: stops the command (SIGTERM, SIGKILL after the grace); the terminal stays. @throws RequestError resource not found. */
  async killTerminal(params: KillTerminalRequest): Promise<KillTerminalResponse> {
    const ref = this.refOf(params.terminalId);
    const tend = await this.tend();
    await this.stop(tend, params.terminalId, ref);
    return {};
  }

  /** terminal/release: stops a live command, then deletes the task and its output; the id is invalid afterwards. */
  async releaseTerminal(params: ReleaseTerminalRequest): Promise<ReleaseTerminalResponse> {
    const ref = this.refOf(params.terminalId);
    const tend = await this.tend();
    await this.stop(tend, params.terminalId, ref);
    await this.translate(params.terminalId, () => tend.remove(ref.taskId, { force: true }));
    this.released.add(ref.taskId);
    return {};
  }

  /**
   * Registers the five terminal handlers on an ACP client app (`client()` of @agentclientprotocol/sdk) and
   * returns it. The editor still advertises `clientCapabilities.terminal: true` in its `initialize` answer.
   */
  register(app: ClientApp): ClientApp {
    return app
      .onRequest('terminal/create', ({ params }) => this.createTerminal(params))
      .onRequest('terminal/output', ({ params }) => this.terminalOutput(params))
      .onRequest('terminal/wait_for_exit', ({ params }) => this.waitForTerminalExit(params))
      .onRequest('terminal/kill', ({ params }) => this.killTerminal(params))
      .onRequest('terminal/release', ({ params }) => this.releaseTerminal(params));
  }

  private async tend(): Promise<TerminalTendApi> {
    const { client } = this.options;
    return typeof client === 'function' ? await client() : client;
  }

  private refOf(terminalId: string): TerminalRef {
    const ref = parseTerminalId(terminalId);
    if (ref === undefined || this.released.has(ref.taskId)) throw notFound(terminalId);
    return ref;
  }

  private lookUp(tend: TerminalTendApi, terminalId: string, ref: TerminalRef): Promise<Task> {
    return this.translate(terminalId, () => tend.get(ref.taskId));
  }

  /** SIGTERM to a live command, SIGKILL after the grace; answers once it has ended. Nothing for an ended one. */
  private async stop(tend: TerminalTendApi, terminalId: string, ref: TerminalRef): Promise<void> {
    const task = await this.lookUp(tend, terminalId, ref);
    if (!isLive(task)) return;
    try {
      await tend.kill(task.id, { graceMs: this.options.killGraceMs ?? DEFAULT_TERMINAL_KILL_GRACE_MS });
    } catch (error) {
      if ((error as { reason?: unknown }).reason !== 'not_running') throw error;
    }
    await tend.wait(task.id);
  }

  /** Runs `work`, turning tend's task_not_found into ACP's resource-not-found error for the terminal. */
  private async translate<T>(terminalId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if ((error as { reason?: unknown }).reason === 'task_not_found') throw notFound(terminalId);
      throw error;
    }
  }
}

/** A {@link TendTerminals} over `options.client`: `tendTerminals({ client }).register(client())`. */
export function tendTerminals(options: TendTerminalsOptions): TendTerminals {
  return new TendTerminals(options);
}

function isLive(task: Pick<Task, 'state'>): boolean {
  return LIVE_STATES.includes(task.state);
}

/** ACP's exit status of an ended task: exit code or signal, the other null (both null when tend lost it). */
export function exitStatusOf(task: Pick<Task, 'exitCode' | 'signal'>): TerminalExitStatus {
  return { exitCode: task.exitCode ?? null, signal: task.signal ?? null };
}

function notFound(terminalId: string): RequestError {
  const error = RequestError.resourceNotFound(terminalId);
  error.message = `terminal ${JSON.stringify(terminalId)} not found (unknown, or released)`;
  return error;
}
