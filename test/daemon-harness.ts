import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { createMessageConnection, StreamMessageReader, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { SafeMessageWriter } from '../packages/client/dist/safe-writer.js';
import { isAlive as alive } from './helpers.js';
import type { WireJson } from './support/wire-json.js';

/** Absolute path of the built daemon entry. */
export const DAEMON_BIN = resolve(import.meta.dirname, '../packages/daemon/dist/bin.js');

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes. @throws Error naming `what` on timeout. */
export async function pollUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True when `pid` is a live process (a zombie counts as gone): the CLI tests' check, shared. */
export { alive };

/** A raw JSON-RPC client on the daemon's socket, recording notifications. */
export interface RawClient {
  rpc: MessageConnection;
  socket: Socket;
  notifications: { method: string; params: WireJson }[];
  request<T = WireJson>(method: string, params?: unknown): Promise<T>;
  close(): void;
}

/**
 * A real daemon process in a fresh temp TEND_HOME. Records the pid of every
 * daemon it starts and the process group of every task run through its
 * clients, and kills exactly those in {@link cleanup}.
 */
export class DaemonHarness {
  readonly home = mkdtempSync('/tmp/tend-it-');
  readonly env: NodeJS.ProcessEnv = { ...process.env, TEND_HOME: this.home, SHELL: '/bin/sh' };
  readonly daemonPids: number[] = [];
  readonly taskGroups = new Set<number>();
  private readonly clients: RawClient[] = [];
  child: ChildProcess | undefined;

  get socketPath(): string {
    return join(this.home, 'run', 'tend.sock');
  }

  /** Starts a daemon and waits until it serves (daemon.json written). */
  async start(): Promise<number> {
    const jsonPath = join(this.home, 'run', 'daemon.json');
    rmSync(jsonPath, { force: true });
    const child = spawn(process.execPath, [DAEMON_BIN], {
      env: this.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    this.child = child;
    if (child.pid) this.daemonPids.push(child.pid);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    await pollUntil(
      `daemon to serve (stderr: ${stderr})`,
      () => existsSync(jsonPath) || child.exitCode !== null,
    );
    if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${stderr}`);
    return child.pid as number;
  }

  /** Runs a second daemon process and resolves with its exit code and stderr. */
  runAnother(): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolveRun) => {
      const child = spawn(process.execPath, [DAEMON_BIN], {
        env: this.env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      if (child.pid) this.daemonPids.push(child.pid);
      let stderr = '';
      child.stderr?.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolveRun({ code, stderr }));
    });
  }

  /** SIGKILLs the current daemon and waits until it is gone. */
  async kill9(): Promise<void> {
    const pid = this.child?.pid as number;
    process.kill(pid, 'SIGKILL');
    await pollUntil('daemon to die', () => !alive(pid));
  }

  /** Connects and initializes a raw client. */
  async connect(name = 'it', session?: string): Promise<RawClient> {
    const socket = connect(this.socketPath);
    await new Promise<void>((ok, fail) => socket.once('connect', ok).once('error', fail));
    socket.on('error', () => undefined);
    const rpc = createMessageConnection(new StreamMessageReader(socket), new SafeMessageWriter(socket));
    let closed = false;
    socket.once('close', () => {
      closed = true;
      rpc.dispose();
    });
    const notifications: RawClient['notifications'] = [];
    rpc.onNotification((method, params) => void notifications.push({ method, params }));
    rpc.onError(() => undefined);
    rpc.listen();
    const client: RawClient = {
      rpc,
      socket,
      notifications,
      request: async (method, params = {}) => {
        // vscode-jsonrpc's sendRequest on a disposed connection rejects unhandled: refuse first.
        if (closed) throw Object.assign(new Error(`connection closed before ${method}`), { code: -32097 });
        const result: WireJson = await rpc.sendRequest(method, params);
        if (method === 'task/run' && result?.pgid) this.taskGroups.add(result.pgid);
        return result;
      },
      close: () => {
        closed = true;
        rpc.dispose();
        socket.destroy();
      },
    };
    await client.request('daemon/initialize', {
      protocolVersion: 2,
      client: { name },
      ...(session ? { session } : {}),
    });
    this.clients.push(client);
    return client;
  }

  /** Closes clients, SIGKILLs every task group and daemon this harness started, removes the home. */
  async cleanup(): Promise<void> {
    for (const client of this.clients) client.close();
    for (const pgid of this.taskGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const pid of this.daemonPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await pollUntil('daemons to exit', () => this.daemonPids.every((pid) => !alive(pid)));
    rmSync(this.home, { recursive: true, force: true });
  }
}
