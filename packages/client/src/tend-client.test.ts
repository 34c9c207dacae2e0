import { ErrorCode, PROTOCOL_VERSION, type Task } from '@tend/protocol';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ResponseError as ReplyError } from './jsonrpc.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AmbiguousIdError,
  ConnectionClosedError,
  DaemonUnreachableError,
  DiskFullError,
  InvalidCwdError,
  InvalidParamsError,
  LimitExceededError,
  LimitUnavailableError,
  NameInUseError,
  NotRunningError,
  ProtocolMismatchError,
  SignalFailedError,
  TaskLiveError,
  TaskNotFoundError,
  TendClient,
  TendError,
} from './index.js';
import { startFakeServer, type FakeServer } from './test-support/fake-server.js';
import { pollUntil } from '../../../test/support/poll.mjs';
import { makeTask } from '../../../test/support/task.mjs';
import { makeTempHome, type TempHome } from './test-support/temp-home.js';

function task(id: string, extra: Partial<Task> = {}): Task {
  return makeTask({ id, ...extra });
}

// task/get answers with the error named by the id it is asked for.
const ERRORS: Array<[string, number, new (...args: never[]) => TendError]> = [
  ['task_not_found', ErrorCode.TaskNotFound, TaskNotFoundError],
  ['ambiguous_id', ErrorCode.AmbiguousId, AmbiguousIdError],
  ['not_running', ErrorCode.NotRunning, NotRunningError],
  ['task_live', ErrorCode.TaskLive, TaskLiveError],
  ['name_in_use', ErrorCode.NameInUse, NameInUseError],
  ['invalid_cwd', ErrorCode.InvalidCwd, InvalidCwdError],
  ['limit_exceeded', ErrorCode.LimitExceeded, LimitExceededError],
  ['signal_failed', ErrorCode.SignalFailed, SignalFailedError],
  ['limit_unavailable', ErrorCode.LimitUnavailable, LimitUnavailableError],
  ['disk_full', ErrorCode.DiskFull, DiskFullError],
  ['protocol_mismatch', ErrorCode.ProtocolMismatch, ProtocolMismatchError],
  ['invalid_params', ErrorCode.InvalidParams, InvalidParamsError],
];

describe('TendClient against an in-process fake daemon', () => {
  let home: TempHome;
  let fake: FakeServer;
  let client: TendClient | undefined;
  let pendingWait: Array<() => void>;

  beforeEach(async () => {
    home = makeTempHome();
    pendingWait = [];
    fake = await startFakeServer(home.paths.socketPath, {
      'task/get': ({ id }: { id: string }) => {
        if (id === 'ok') return task('abc123');
        if (id === 'a') {
          throw new ResponseError(ErrorCode.AmbiguousId, 'id "a" matches 2 tasks: abc, abd', {
            reason: 'ambiguous_id',
            candidates: ['abc', 'abd'],
          });
        }
        if (id === 'bare-32602') throw new ResponseError(-32602, 'invalid params for task/get: id: too long');
        if (id === 'odd-reason')
          throw new ResponseError(2999, 'something new', { reason: 'brand_new_reason' });
        const entry = ERRORS.find(([reason]) => reason === id);
        if (!entry) throw new Error('unexpected id');
        throw new ResponseError(entry[1], `daemon says ${id}`, { reason: id });
      },
      'task/run': (params: { command: string }) => task('run1', { command: params.command }),
      'task/list': () => ({ tasks: [task('t1'), task('t2')] }),
      'task/remove': ({ id }: { id: string }) => ({ task: task(id, { state: 'succeeded' }) }),
      'task/kill': ({ id }: { id: string }) => task(id, { state: 'stopping' }),
      'task/wait': () =>
        new Promise((resolve) => pendingWait.push(() => resolve({ outcome: 'timeout', task: task('w') }))),
      'daemon/status': () => ({ pid: process.pid, clients: fake.connections.length }),
    });
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await fake.close();
    await home.cleanup();
  });

  const connect = async (options: { reconnect?: boolean } = {}): Promise<TendClient> => {
    client = await TendClient.connect({
      env: home.env,
      autoStart: false,
      clientName: 'test-client',
      clientVersion: '9.9.9',
      session: 'sess-1',
      ...options,
    });
    return client;
  };

  it('sends daemon/initialize with the protocol version, client and session, and exposes the answer', async () => {
    const c = await connect();
    expect(fake.received[0]).toEqual({
      method: 'daemon/initialize',
      params: {
        protocolVersion: PROTOCOL_VERSION,
        client: { name: 'test-client', version: '9.9.9' },
        session: 'sess-1',
      },
    });
    expect(c.daemon).toMatchObject({
      pid: process.pid,
      protocolVersion: PROTOCOL_VERSION,
      socket: home.paths.socketPath,
    });
  });

  it('defaults the cwd of run to the current directory and returns the task', async () => {
    const c = await connect();
    const started = await c.run({ command: 'echo hi', name: 'greeter' });
    expect(started).toMatchObject({ id: 'run1', command: 'echo hi' });
    expect(fake.received.at(-1)).toEqual({
      method: 'task/run',
      params: { command: 'echo hi', name: 'greeter', cwd: process.cwd() },
    });
  });

  it('unwraps the task arrays and objects of list and remove, and omits options that were not given', async () => {
    const c = await connect();
    expect((await c.list()).map((t) => t.id)).toEqual(['t1', 't2']);
    expect(await c.remove('t9')).toMatchObject({ id: 't9', state: 'succeeded' });
    expect(fake.received.at(-1)?.params).toEqual({ id: 't9' });
    await c.kill('t3', { signal: 'SIGINT' });
    expect(fake.received.at(-1)?.params).toEqual({ id: 't3', signal: 'SIGINT' });
  });

  it.each(ERRORS)(
    'maps a %s error reply to its class, keeping the code, reason and message',
    async (reason, code, ErrorClass) => {
      const c = await connect();
      const error = await c.get(reason).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error).toBeInstanceOf(TendError);
      expect(error).toMatchObject({ code, reason, message: `daemon says ${reason}`, data: { reason } });
      expect((error as Error).name).toBe(ErrorClass.name);
      // The cause is the client's own error of the reply (the fake daemon's ResponseError is vscode-jsonrpc's).
      expect((error as Error).cause).toBeInstanceOf(ReplyError);
      expect((error as Error).cause).toMatchObject({
        code,
        message: `daemon says ${reason}`,
        data: { reason },
      });
    },
  );

  it('exposes the candidates of an ambiguous id', async () => {
    const c = await connect();
    const error = await c.get('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmbiguousIdError);
    expect((error as AmbiguousIdError).candidates).toEqual(['abc', 'abd']);
  });

  it('maps errors by code when the reply carries no reason, and keeps unknown reasons on a plain TendError', async () => {
    const c = await connect();
    const bare = await c.get('bare-32602').catch((e: unknown) => e);
    expect(bare).toBeInstanceOf(InvalidParamsError);
    expect(bare).toMatchObject({
      reason: 'invalid_params',
      message: 'invalid params for task/get: id: too long',
    });
    const odd = await c.get('odd-reason').catch((e: unknown) => e);
    expect(odd).toMatchObject({ name: 'TendError', code: 2999, reason: 'brand_new_reason' });
    const missing = await c.output({ id: 'x' }).catch((e: unknown) => e);
    expect(missing).toMatchObject({
      name: 'TendError',
      code: ErrorCode.MethodNotFound,
      reason: 'method_not_found',
    });
  });

  it('delivers task/didChange notifications to listeners until they are disposed', async () => {
    const c = await connect();
    const seen: string[] = [];
    const listener = c.onTaskDidChange(({ task: t, removed }) =>
      seen.push(`${t.id}:${t.state}:${removed ?? false}`),
    );
    await fake.notifyAll('task/didChange', { task: task('n1', { state: 'succeeded' }) });
    await pollUntil('the first notification', () => seen.length === 1, { timeoutMs: 2_000 });
    listener.dispose();
    await fake.notifyAll('task/didChange', { task: task('n2'), removed: true });
    // The status reply travels behind the notification on the same socket, so it has been dispatched by now.
    await c.status();
    expect(seen).toEqual(['n1:succeeded:false']);
  });

  it('rejects pending requests with ConnectionClosedError on close() without calling onClose listeners', async () => {
    const c = await connect();
    let closes = 0;
    c.onClose(() => closes++);
    const waiting = c.wait('w', { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await pollUntil('the daemon to receive task/wait', () => pendingWait.length === 1, { timeoutMs: 2_000 });
    await c.close();
    expect(await waiting).toBeInstanceOf(ConnectionClosedError);
    expect(await c.get('ok').catch((e: unknown) => e)).toBeInstanceOf(ConnectionClosedError);
    expect(c.isClosed).toBe(true);
    expect(closes).toBe(0);
    await pollUntil('the daemon to see the socket close', () => fake.connections.length === 0, {
      timeoutMs: 2_000,
    });
  });

  it('rejects pending requests with ConnectionClosedError and calls onClose once when the daemon drops the connection and reconnect is off', async () => {
    const c = await connect({ reconnect: false });
    let closes = 0;
    c.onClose(() => closes++);
    const waiting = c.wait('w').catch((e: unknown) => e);
    await pollUntil('the daemon to receive task/wait', () => pendingWait.length === 1, { timeoutMs: 2_000 });
    for (const { socket } of fake.connections) socket.destroy();
    const error = await waiting;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({ reason: 'connection_closed' });
    await pollUntil('the onClose listener', () => closes === 1, { timeoutMs: 2_000 });
    expect(c.isClosed).toBe(true);
  });

  it('throws ProtocolMismatchError telling to upgrade the client when the daemon refuses an older client', async () => {
    await fake.close();
    fake = await startFakeServer(home.paths.socketPath, {
      'daemon/initialize': () => {
        throw new ResponseError(ErrorCode.ProtocolMismatch, 'client protocol 1 is older than 2', {
          reason: 'protocol_mismatch',
        });
      },
    });
    const error = await connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolMismatchError);
    expect((error as Error).message).toMatch(/client protocol 1 is older than 2.*Upgrade the client/);
  });

  it('throws DaemonUnreachableError at the deadline when the daemon never answers daemon/initialize', async () => {
    await fake.close();
    fake = await startFakeServer(home.paths.socketPath, { 'daemon/initialize': () => new Promise(() => {}) });
    const started = Date.now();
    const error = await TendClient.connect({ env: home.env, autoStart: false, timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DaemonUnreachableError);
    expect((error as Error).message).toContain('did not answer daemon/initialize within 300 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
