import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDaemonSocket, type DaemonSocketOptions } from './daemon-socket.js';
import { pollUntil } from '../../../test/support/poll.mjs';
import { makeTempHome, type TempHome } from './test-support/temp-home.js';

/**
 * A listener that never accepts: it listens on `socketPath`, writes `readyPath`, then blocks its event
 * loop, so that a connection made to it stays in the kernel's accept backlog.
 */
const BLOCKED_LISTENER = `
const { createServer } = require('node:net');
const { writeFileSync } = require('node:fs');
const [socketPath, readyPath] = process.argv.slice(1);
createServer().listen(socketPath, () => {
  writeFileSync(readyPath, String(process.pid));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
});
`;

/**
 * Whether a socket bound to `path` still exists: /proc/net/unix lists every Unix socket of this network
 * namespace with its bound path, the listener and the connections waiting in its backlog (which carry its
 * address) included.
 */
function socketsBoundTo(path: string): boolean {
  return readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .some((line) => line.endsWith(` ${path}`));
}

/**
 * Blocks this thread (no event-loop turn) until no socket is bound to `path` any more — the killed listener's
 * and its backlog's are closed by the kernel — or throws after 5 s. (Waiting for the process to be a zombie is
 * not enough: its other threads may still be exiting, and the last one closes the descriptors.)
 */
function waitSocketsClosedSync(path: string): void {
  const deadline = Date.now() + 5_000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (socketsBoundTo(path)) {
    if (Date.now() > deadline) throw new Error(`sockets bound to ${path} still open after 5 s`);
    Atomics.wait(pause, 0, 0, 1);
  }
}

describe('openDaemonSocket', () => {
  let home: TempHome;
  let server: Server | undefined;
  const sockets: Socket[] = [];

  beforeEach(() => {
    home = makeTempHome();
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    await home.cleanup();
  });

  const options = (): DaemonSocketOptions => ({
    socketPath: home.paths.socketPath,
    autoStart: false,
    env: home.env,
    stateDir: home.paths.stateDir,
    logPath: home.paths.logPath,
    timeoutMs: 5_000,
  });

  it('tries again when the daemon closes its listening socket with the connection still in its backlog (ECONNRESET)', async () => {
    // What a client saw when it reconnected at once to a daemon being killed (test/reconnect.e2e in CI):
    // connect() succeeded into the dying daemon's backlog, then the kernel reset the connection.
    const readyPath = join(home.dir, 'listener-ready');
    mkdirSync(dirname(home.paths.socketPath), { recursive: true, mode: 0o700 });
    const listener = spawn(process.execPath, ['-e', BLOCKED_LISTENER, home.paths.socketPath, readyPath], {
      env: home.env,
      stdio: 'ignore',
    });
    home.pids.push(listener.pid as number);
    await pollUntil('the blocked listener to listen', () => existsSync(readyPath), { timeoutMs: 10_000 });

    // connect() runs synchronously in this call: the connection now waits in the listener's backlog.
    const opening = openDaemonSocket(options(), Date.now() + 5_000);
    // Before this process's next event-loop turn (where the connect's outcome is read): the listener dies
    // with the connection unaccepted, and the next daemon binds the path.
    expect(socketsBoundTo(home.paths.socketPath)).toBe(true);
    process.kill(listener.pid as number, 'SIGKILL');
    waitSocketsClosedSync(home.paths.socketPath);
    rmSync(home.paths.socketPath, { force: true });
    const accepted: Socket[] = [];
    server = createServer((socket) => {
      accepted.push(socket);
      sockets.push(socket);
    }).listen(home.paths.socketPath);

    const socket = await opening;
    sockets.push(socket);
    const errors: Error[] = [];
    socket.on('error', (error) => errors.push(error));
    await pollUntil('the next daemon to accept the connection', () => accepted.length === 1, {
      timeoutMs: 5_000,
    });
    expect(socket.destroyed).toBe(false);
    expect(errors).toStrictEqual([]);
  });
});
