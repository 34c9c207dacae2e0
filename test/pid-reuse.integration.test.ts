import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { SafeMessageWriter } from './support/safe-writer.js';
import { DAEMON_BIN } from './daemon-harness.js';
import { PidNamespace, SIGKILL_BIT, type NsProcess } from './pid-namespace.js';
import type { WireJson } from './support/wire-json.js';
import type { Task } from '@tend/protocol';
import { pollUntil } from './support/poll.mjs';

// Item 2: a pid that comes back to another process (PID reuse) is never
// signalled, on the stop/leftovers path nor on the recovery path. The daemon
// runs inside a PID namespace, where writing /proc/sys/kernel/ns_last_pid makes
// a chosen pid come back. These tests need root; without it they fail, saying so.

let ns: PidNamespace;
let home: string;
const rpcs: MessageConnection[] = [];

beforeEach(async () => {
  ns = await PidNamespace.create();
  home = mkdtempSync('/tmp/tend-ns-');
});
afterEach(async () => {
  for (const rpc of rpcs.splice(0)) rpc.dispose();
  // Killing the namespace's init ends the daemons and every task inside it.
  await ns?.destroy();
  rmSync(home, { recursive: true, force: true });
});

/**
 * Starts a daemon inside the namespace, detached (its own session, re-parented
 * to the namespace's init, as a client's auto-start leaves it), and returns its
 * pid there (from daemon.json).
 */
async function startDaemon(): Promise<number> {
  const jsonPath = join(home, 'run', 'daemon.json');
  const errPath = join(home, 'daemon.err');
  rmSync(jsonPath, { force: true });
  await ns.sh(
    'TEND_HOME="$1" SHELL=/bin/sh setsid "$2" "$3" </dev/null >/dev/null 2>>"$4" &',
    home,
    process.execPath,
    DAEMON_BIN,
    errPath,
  );
  await pollUntil('the daemon to serve', () => existsSync(jsonPath)).catch((error: Error) => {
    throw new Error(
      `${error.message}; its stderr: ${existsSync(errPath) ? readFileSync(errPath, 'utf8') : ''}`,
    );
  });
  return (JSON.parse(readFileSync(jsonPath, 'utf8')) as { pid: number }).pid;
}

/** SIGKILLs the daemon whose pid in the namespace is `pid` and waits until it is gone. */
async function killDaemon(pid: number): Promise<void> {
  await ns.sh(`kill -9 ${pid}`);
  await pollUntil('the daemon to be gone', () => ns.process(pid) === undefined);
}

type Request = <T = WireJson>(method: string, params?: unknown) => Promise<T>;

async function client(): Promise<Request> {
  const socket = connect(join(home, 'run', 'tend.sock'));
  await new Promise<void>((ok, fail) => socket.once('connect', ok).once('error', fail));
  socket.on('error', () => undefined);
  const rpc = createMessageConnection(new StreamMessageReader(socket), new SafeMessageWriter(socket));
  rpc.onError(() => undefined);
  rpc.listen();
  rpcs.push(rpc);
  const request: Request = (method, params = {}) => rpc.sendRequest(method, params);
  await request('daemon/initialize', { protocolVersion: 2, client: { name: 'pid-reuse' } });
  return request;
}

/** A task whose command ignores SIGTERM, so that a stop with a long grace leaves it `stopping`. */
async function runStubborn(request: Request): Promise<{ id: string; pid: number }> {
  const task = await request('task/run', { command: 'trap "" TERM; exec sleep 600', cwd: home });
  expect(task).toMatchObject({ state: 'running', pgid: task.pid });
  return task;
}

async function endOf(request: Request, id: string): Promise<Task> {
  return (await request('task/wait', { id, timeoutMs: 15_000 })).task;
}

/** The impostor is the same process as when it took the pid, alive, and no SIGKILL is pending for it. */
function expectUntouched(pid: number, impostor: NsProcess): void {
  const now = ns.process(pid);
  expect(now).toBeDefined();
  expect(now?.startTicks).toBe(impostor.startTicks);
  expect(now?.state).not.toBe('Z');
  expect((now?.pending ?? 0n) & SIGKILL_BIT).toBe(0n);
}

describe('forced PID reuse', () => {
  it('never SIGKILLs the new owner of a stopping adopted task’s pid (watchdog and leftovers path)', async () => {
    const first = await startDaemon();
    let request = await client();
    const task = await runStubborn(request);
    await killDaemon(first);
    const daemon = await startDaemon();
    request = await client();
    expect(await request('task/get', { id: task.id })).toMatchObject({ state: 'running' });
    await request('task/kill', { id: task.id, signal: 'SIGTERM', graceMs: 300_000, wait: false });
    expect(await request('task/get', { id: task.id })).toMatchObject({ state: 'stopping' });
    // Someone else SIGKILLs the whole group and the pid comes back to a new session leader,
    // all while the daemon cannot look (stopped), so its next identity check meets the impostor.
    await ns.sh(`kill -STOP ${daemon}`);
    let impostor: NsProcess;
    try {
      impostor = await ns.reusePid(task.pid);
    } finally {
      await ns.sh(`kill -CONT ${daemon}`);
    }
    const ended = await endOf(request, task.id);
    expect(ended).toMatchObject({ state: 'killed', reason: 'killed by user (SIGTERM)' });
    expectUntouched(task.pid, impostor);
  });

  it('never signals the new owner of a task’s pid when a daemon starts (recovery path)', async () => {
    const first = await startDaemon();
    let request = await client();
    const stopping = await runStubborn(request);
    const running = await runStubborn(request);
    await request('task/kill', { id: stopping.id, signal: 'SIGTERM', graceMs: 300_000, wait: false });
    await killDaemon(first);
    const impostors = [await ns.reusePid(stopping.pid), await ns.reusePid(running.pid)];
    await startDaemon();
    request = await client();
    expect(await request('task/get', { id: stopping.id })).toMatchObject({
      state: 'killed',
      reason: 'killed by user (SIGTERM)',
    });
    const lost = await request('task/get', { id: running.id });
    expect(lost).toMatchObject({ state: 'lost', reason: expect.stringMatching(/PID reuse/) });
    expect(lost.exitCode).toBeUndefined();
    // A stop of the impostor's pid through tend is refused: the task has ended.
    await expect(request('task/kill', { id: running.id, signal: 'SIGKILL' })).rejects.toMatchObject({
      data: { reason: 'not_running' },
    });
    expectUntouched(stopping.pid, impostors[0] as NsProcess);
    expectUntouched(running.pid, impostors[1] as NsProcess);
  });
});
