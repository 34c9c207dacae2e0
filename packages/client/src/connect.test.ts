import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { PROTOCOL_VERSION } from '@tend/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonUnreachableError, ProtocolMismatchError, TendClient } from './index.js';
import {
  fakeDaemonCommand,
  writeFakeDaemonScript,
  type FakeDaemonConfig,
} from './test-support/fake-daemon-script.js';
import { pollUntil } from '../../../test/support/poll.mjs';
import { isAlive } from '../../../test/support/processes.mjs';
import { makeTempHome, type TempHome } from './test-support/temp-home.js';

describe('TendClient.connect with auto-start', () => {
  let home: TempHome;
  let script: string;
  const clients: TendClient[] = [];

  beforeEach(() => {
    home = makeTempHome();
    script = writeFakeDaemonScript(home.dir);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await home.cleanup();
  });

  const command = (config: Partial<FakeDaemonConfig> = {}): string[] =>
    fakeDaemonCommand(script, { protocolVersion: PROTOCOL_VERSION, record: home.recordPath, ...config });

  const connect = async (options: Parameters<typeof TendClient.connect>[0] = {}): Promise<TendClient> => {
    const client = await TendClient.connect({ env: home.env, daemonCommand: command(), ...options });
    clients.push(client);
    return client;
  };

  /** Starts the fake daemon directly (as an earlier client would have) and waits for its socket. */
  const startDaemonByHand = async (config: Partial<FakeDaemonConfig>): Promise<number> => {
    const [file, ...args] = command(config);
    const child = spawn(file as string, args, { env: home.env, stdio: 'ignore' });
    home.pids.push(child.pid as number);
    await pollUntil('the hand-started daemon to listen', () => existsSync(home.paths.socketPath), {
      timeoutMs: 5_000,
    });
    return child.pid as number;
  };

  it('starts the daemon once when none is listening, connects to it and logs its output to daemon.log', async () => {
    const client = await connect();
    expect(home.recordedPids()).toEqual([client.daemon.pid]);
    expect(client.daemon.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(isAlive(client.daemon.pid)).toBe(true);
    await pollUntil(
      'the daemon log line',
      () => readFileSync(home.paths.logPath, 'utf8').includes(`fake daemon ${client.daemon.pid} listening`),
      { timeoutMs: 5_000 },
    );
    expect(statSync(home.paths.logPath).mode & 0o777).toBe(0o600);
    expect(statSync(home.paths.stateDir).mode & 0o777).toBe(0o700);
    // A second client finds the running daemon and starts nothing.
    const second = await connect();
    expect(second.daemon.pid).toBe(client.daemon.pid);
    expect(home.recordedPids()).toHaveLength(1);
  });

  it('ends with one daemon and both clients connected to it when two clients race to start it', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    expect(a.daemon.pid).toBe(b.daemon.pid);
    // Both first attempts fail before any daemon can listen, so each client spawns one; the loser may still be booting.
    await pollUntil('both spawned daemons to start', () => home.recordedPids().length === 2, {
      timeoutMs: 5_000,
    });
    const started = home.recordedPids();
    expect(started).toContain(a.daemon.pid);
    const losers = started.filter((pid) => pid !== a.daemon.pid);
    await pollUntil('the losing daemons to exit', () => losers.every((pid) => !isAlive(pid)), {
      timeoutMs: 5_000,
    });
    expect((await a.status()).clients).toBe(2);
  });

  it('throws DaemonUnreachableError after the deadline, quoting the last lines of the daemon log', async () => {
    const started = Date.now();
    const error = await connect({
      daemonCommand: command({ fail: 'fake daemon: cannot open database /nowhere/tend.db' }),
      // Long enough for the fake daemon (a node process) to start and fail on a busy machine.
      timeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaemonUnreachableError);
    const unreachable = error as DaemonUnreachableError;
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_990);
    expect(unreachable.reason).toBe('daemon_unreachable');
    expect(unreachable.message).toContain('within 5000 ms');
    expect(unreachable.message).toContain('ended with exit code 1');
    expect(unreachable.message).toMatch(
      /Last lines of .*daemon\.log:\nfake daemon: cannot open database \/nowhere\/tend\.db$/,
    );
    expect(unreachable.logTail).toEqual(['fake daemon: cannot open database /nowhere/tend.db']);
    expect(home.recordedPids()).toHaveLength(1);
  });

  it('throws DaemonUnreachableError at once when no daemon is listening and autoStart is off', async () => {
    const started = Date.now();
    const error = await connect({ autoStart: false, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaemonUnreachableError);
    expect((error as Error).message).toContain('autoStart is off');
    // At once: well below the 10 s deadline (a generous margin for a busy machine).
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(home.recordedPids()).toEqual([]);
  });

  it('throws DaemonUnreachableError at once when a daemon must be started but no daemonCommand is given', async () => {
    const error = await TendClient.connect({ env: home.env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaemonUnreachableError);
    expect((error as Error).message).toContain('daemonCommand');
  });

  it('starts a new daemon when the socket file was left behind by a killed one', async () => {
    const stale = await startDaemonByHand({});
    process.kill(stale, 'SIGKILL');
    await pollUntil('the killed daemon to go', () => !isAlive(stale), { timeoutMs: 5_000 });
    // The killed daemon left its socket and lock; the fake, like a real one, only needs the lock free.
    rmSync(home.paths.lockPath);
    expect(existsSync(home.paths.socketPath)).toBe(true);
    const client = await connect();
    expect(client.daemon.pid).not.toBe(stale);
    expect(isAlive(client.daemon.pid)).toBe(true);
  });

  it('shuts down a daemon with an older protocol, waits for it to exit and starts a new one once', async () => {
    const old = await startDaemonByHand({ protocolVersion: PROTOCOL_VERSION - 1 });
    const client = await connect();
    expect(isAlive(old)).toBe(false);
    expect(client.daemon.pid).not.toBe(old);
    expect(client.daemon.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(home.recordedPids()).toEqual([old, client.daemon.pid]);
  });

  it('throws ProtocolMismatchError when the restarted daemon still speaks an older protocol', async () => {
    const old = await startDaemonByHand({ protocolVersion: PROTOCOL_VERSION - 1 });
    const error = await connect({ daemonCommand: command({ protocolVersion: PROTOCOL_VERSION - 1 }) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProtocolMismatchError);
    expect((error as Error).message).toContain(`still speaks protocol ${PROTOCOL_VERSION - 1}`);
    expect(isAlive(old)).toBe(false);
    // One hand-started daemon and exactly one restart.
    expect(home.recordedPids()).toHaveLength(2);
  });

  it('throws ProtocolMismatchError without stopping an older daemon when it cannot start a newer one', async () => {
    const old = await startDaemonByHand({ protocolVersion: PROTOCOL_VERSION - 1 });
    const error = await TendClient.connect({ env: home.env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolMismatchError);
    expect((error as Error).message).toContain('daemonCommand is not set');
    expect(isAlive(old)).toBe(true);
  });
});
