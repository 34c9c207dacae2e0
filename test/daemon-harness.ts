import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { createMessageConnection, StreamMessageReader, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { SafeMessageWriter } from './support/safe-writer.js';
import { removeTestCgroup, useTestCgroupRoot } from './support/cgroup.mjs';
import { pollUntil } from './support/poll.mjs';
import { isAlive, type OwnedProcess, ownership, recordProcess, signalIfOurs } from './support/processes.mjs';
import type { WireJson } from './support/wire-json.js';

/** Event-loop turns a closed raw connection waits for replies that arrived with the close. */
const MAX_DRAIN_TURNS = 64;

/** Absolute path of the built daemon entry. */
export const DAEMON_BIN = resolve(import.meta.dirname, '../packages/daemon/dist/bin.js');

/** A raw JSON-RPC client on the daemon's socket, recording notifications. */
export interface RawClient {
  rpc: MessageConnection;
  socket: Socket;
  notifications: { method: string; params: WireJson }[];
  request<T = WireJson>(method: string, params?: unknown): Promise<T>;
  close(): void;
}

/**
 * A real daemon process in a fresh temp TEND_HOME. Records every daemon it starts (pid and start
 * time) and the process group of every task run through its clients (pgid and TEND_TASK_ID), and
 * in {@link cleanup} kills exactly those, after checking that each is still the one recorded
 * (test/support/processes.mjs).
 */
export class DaemonHarness {
  readonly home = mkdtempSync('/tmp/tend-it-');
  readonly env: NodeJS.ProcessEnv = { ...process.env, TEND_HOME: this.home, SHELL: '/bin/sh' };
  /** Processes to SIGKILL in {@link cleanup}: daemons alone, tasks and test-started leaders with their group. */
  private readonly owned: { process: OwnedProcess; group: boolean }[] = [];
  private readonly clients: RawClient[] = [];
  child: ChildProcess | undefined;
  /**
   * With `{ cgroup: true }`: the test cgroup root its daemons use (config.json `cgroupRoot`), removed
   * with every process in it by {@link cleanup}; or, where none can be made, why (the daemon then
   * runs in marker mode, which the test must assert).
   */
  readonly cgroup: { path: string } | { path: undefined; reason: string } | undefined;

  constructor(options: { cgroup?: boolean } = {}) {
    this.cgroup = options.cgroup ? useTestCgroupRoot(this.home) : undefined;
  }

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
    if (child.pid) this.own(child.pid);
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
      if (child.pid) this.own(child.pid);
      let stderr = '';
      child.stderr?.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolveRun({ code, stderr }));
    });
  }

  /** SIGKILLs the current daemon and waits until it is gone. */
  async kill9(): Promise<void> {
    const pid = this.child?.pid as number;
    process.kill(pid, 'SIGKILL');
    await pollUntil('daemon to die', () => !isAlive(pid));
  }

  /** Connects and initializes a raw client. */
  async connect(name = 'it', session?: string): Promise<RawClient> {
    const socket = connect(this.socketPath);
    await new Promise<void>((ok, fail) => socket.once('connect', ok).once('error', fail));
    socket.on('error', () => undefined);
    const rpc = createMessageConnection(new StreamMessageReader(socket), new SafeMessageWriter(socket));
    let closed = false;
    let outstanding = 0;
    socket.once('close', () => {
      closed = true;
      // vscode-jsonrpc handles queued messages one per setImmediate and drops them on dispose(): a reply
      // that arrived with the close (daemon/shutdown's, on a loaded machine) is handled first. At most
      // MAX_DRAIN_TURNS turns, then pending requests are rejected as the connection is gone.
      let turns = 0;
      const drain = () => {
        if (outstanding === 0 || ++turns > MAX_DRAIN_TURNS) rpc.dispose();
        else setImmediate(drain);
      };
      setImmediate(drain);
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
        outstanding++;
        let result: WireJson;
        try {
          result = await rpc.sendRequest(method, params);
        } finally {
          outstanding--;
        }
        if (method === 'task/run') this.ownTask(result);
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

  /**
   * Records `pid`, a process the test started, for {@link cleanup} (with `group`: its process group).
   * Call it right after the spawn, so the recorded start time is the process's own.
   */
  own(pid: number, { group = false } = {}): void {
    this.owned.push({ process: recordProcess(pid), group });
  }

  /** Records a task's process group for {@link cleanup}, identified by TEND_TASK_ID=<id>. */
  ownTask(task: { id?: string; pgid?: number } | undefined): void {
    if (task?.id && task.pgid && task.pgid > 1)
      this.owned.push({ process: { pid: task.pgid, envMarker: `TEND_TASK_ID=${task.id}` }, group: true });
  }

  /** Closes clients, SIGKILLs every task group and process this harness recorded (if still ours), removes the home. */
  async cleanup(): Promise<void> {
    for (const client of this.clients) client.close();
    for (const { process, group } of this.owned) if (group) signalIfOurs(process, 'SIGKILL', { group });
    const alone = this.owned.filter((o) => !o.group).map((o) => o.process);
    for (const process of alone) signalIfOurs(process, 'SIGKILL');
    await pollUntil('daemons to exit', () => alone.every((process) => ownership(process) !== 'ours'));
    if (this.cgroup?.path) await removeTestCgroup(this.cgroup.path);
    rmSync(this.home, { recursive: true, force: true });
  }
}
