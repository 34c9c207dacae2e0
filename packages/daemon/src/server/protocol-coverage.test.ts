// The daemon serves exactly the protocol's list: a handler for every request method object and
// none for anything else, the notifications of NOTIFICATIONS and no other, and the error replies
// the server itself makes (unknown method, no handshake) with their documented codes and reasons.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import {
  type Completion,
  ErrorCode,
  NOTIFICATIONS,
  PROTOCOL_VERSION,
  REQUEST_METHODS,
  REQUESTS,
  type Task,
} from '@tend/protocol';
import { pino } from 'pino';
import {
  createMessageConnection,
  type MessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskSupervisor } from '../tasks/supervisor.js';
import { pollUntil } from '../../../../test/support/poll.mjs';
import { fakeDaemonControl } from '../test-support/daemon-control.js';
import { HANDLERS, HANDLERS_BY_KEY } from './handlers/index.js';
import { RpcServer } from './server.js';

describe('the handler table', () => {
  it('has a handler for every request method, serving that method object', () => {
    for (const def of REQUESTS) expect(HANDLERS.get(def.method)?.def, def.method).toBe(def);
  });

  it('has no handler without a request method', () => {
    const requests = new Set<string>(REQUESTS.map((def) => def.method));
    expect([...HANDLERS.keys()].filter((method) => !requests.has(method))).toEqual([]);
    expect(HANDLERS.size).toBe(REQUESTS.length);
  });

  it('keys each handler as its method object is keyed in REQUEST_METHODS', () => {
    for (const [key, handler] of Object.entries(HANDLERS_BY_KEY))
      expect(handler.def, key).toBe(REQUEST_METHODS[key as keyof typeof REQUEST_METHODS]);
  });
});

const task: Task = {
  id: 'q7x2m4kd',
  command: 'true',
  cwd: '/',
  env: {},
  inheritEnv: true,
  restarts: 0,
  state: 'succeeded',
  exitCode: 0,
  createdAt: '2025-11-21T14:51:40.003Z',
  outputBytes: 0,
  logPath: '/tmp/tend-x/tasks/q7x2m4kd/output.log',
};
const completion: Completion = {
  seq: 1,
  taskId: task.id,
  command: task.command,
  cwd: task.cwd,
  state: 'succeeded',
  exitCode: 0,
  durationMs: 3,
  endedAt: '2025-11-21T14:51:40.006Z',
  tail: '',
};

describe('RpcServer on its socket', () => {
  let dir: string;
  let socketPath: string;
  let supervisor: EventEmitter;
  let server: RpcServer;
  let client: MessageConnection;
  const received: { method: string; params: unknown }[] = [];

  beforeEach(async () => {
    dir = mkdtempSync('/tmp/tend-');
    socketPath = join(dir, 's.sock');
    supervisor = new EventEmitter();
    const daemon = fakeDaemonControl(dir, socketPath);
    server = new RpcServer(supervisor as unknown as TaskSupervisor, daemon, pino({ level: 'silent' }));
    await server.listen(socketPath);
    const socket = createConnection(socketPath);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    client = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    client.onNotification((method, params) => void received.push({ method, params }));
    client.listen();
  });

  afterEach(async () => {
    client.dispose();
    received.length = 0;
    await server.close(socketPath);
    rmSync(dir, { recursive: true, force: true });
  });

  const initialize = () =>
    client.sendRequest('daemon/initialize', { protocolVersion: PROTOCOL_VERSION, client: { name: 'test' } });

  it('sends the notifications of NOTIFICATIONS, each with params its schema accepts', async () => {
    await initialize();
    supervisor.emit('change', task, false);
    supervisor.emit('change', task, true);
    supervisor.emit('exit', completion);
    await pollUntil('three notifications', () => received.length === 3);
    // project/didProgress goes to the caller of project/up: "b" waits for "a" (this fake supervisor
    // cannot start "a", so the answer says failed; the notifications are what is checked here).
    const spec = { command: 'true', cwd: dir };
    await client.sendRequest('project/up', {
      project: dir,
      tasks: { a: spec, b: { ...spec, dependsOn: { a: 'started' } } },
    });
    const sent = [...new Set(received.map((n) => n.method))];
    expect(sent).toEqual(NOTIFICATIONS.map((def) => def.method));
    for (const { method, params } of received) {
      const def = NOTIFICATIONS.find((n) => n.method === method);
      expect(def?.params.parse(params), method).toEqual(params);
    }
    expect(received[0]?.params).toEqual({ task });
    expect(received[1]?.params).toEqual({ task, removed: true });
    expect(received[3]?.params).toEqual({ project: dir, name: 'b', state: 'waiting', detail: 'a started' });
  });

  it('answers an unknown method with -32601 and reason method_not_found', async () => {
    await initialize();
    const error = await client.sendRequest('task/frobnicate', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error).toMatchObject({
      code: ErrorCode.MethodNotFound,
      data: { reason: 'method_not_found' },
    });
  });

  it('answers a request before daemon/initialize with 1001 not_initialized', async () => {
    const error = await client.sendRequest('daemon/status', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.NotInitialized, data: { reason: 'not_initialized' } });
  });
});
