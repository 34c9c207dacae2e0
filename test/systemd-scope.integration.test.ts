import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openDaemonSocket, type SpawnState } from '../packages/client/dist/daemon-socket.js';
import { DaemonUnreachableError, TendClient } from '../packages/client/dist/index.js';
import { DAEMON_BIN } from './daemon-harness.js';
import { cleanUpTendHome, daemonPid, makeTendHome, tend } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive, signalIfOurs } from './support/processes.mjs';

// A daemon auto-started by the client goes into a delegated `systemd-run --user --scope` when a systemd
// user manager is there. This machine has no user manager, so a fake `systemd-run` stands in: it records
// its pid and argv, then execs the argv after `--` as the real one does in --scope mode (same pid, fds
// kept), or fails like systemd-run without a user bus. The daemon itself gets marker containment here
// (its cgroup is not really delegated); what is tested is how the client starts it.

const homes: string[] = [];
const fakes: string[] = [];
/** Fake systemd-run processes that may outlive a failed test, each marked by its TEND_HOME. */
const wrappers: { pidFile: string; home: string }[] = [];

afterEach(async () => {
  for (const { pidFile, home } of wrappers.splice(0)) {
    if (existsSync(pidFile))
      signalIfOurs({ pid: Number(readFileSync(pidFile, 'utf8')), envMarker: `TEND_HOME=${home}` }, 'SIGKILL');
  }
  for (const home of homes.splice(0)) await cleanUpTendHome(home);
  for (const dir of fakes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Fake {
  /** PATH with the fake systemd-run first. */
  path: string;
  /** XDG_RUNTIME_DIR holding systemd/private (unless made without it). */
  runtimeDir: string;
  /** The fake's argv (one per line) and pid ($$), written when it ran. */
  argvFile: string;
  pidFile: string;
}

/** A temp dir with a fake `systemd-run` and a fake user manager socket file. */
function makeFake(options: { fails?: boolean; hangs?: boolean; privateSocket?: boolean } = {}): Fake {
  const dir = mkdtempSync(join(tmpdir(), 'tend-scope-'));
  fakes.push(dir);
  const bin = join(dir, 'bin');
  const runtimeDir = join(dir, 'xdg');
  mkdirSync(bin);
  mkdirSync(join(runtimeDir, 'systemd'), { recursive: true });
  if (options.privateSocket !== false) writeFileSync(join(runtimeDir, 'systemd', 'private'), '');
  const argvFile = join(dir, 'argv');
  const pidFile = join(dir, 'pid');
  const fifo = join(dir, 'fifo');
  if (options.hangs) execFileSync('mkfifo', [fifo]);
  const run = options.fails
    ? 'echo "Failed to connect to bus: No medium found" >&2\nexit 1'
    : options.hangs
      ? `read -r line < '${fifo}'\nexit 1`
      : 'while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done\nshift\nexec "$@"';
  writeFileSync(
    join(bin, 'systemd-run'),
    `#!/bin/sh\necho "$$" > '${pidFile}'\nprintf '%s\\n' "$@" > '${argvFile}'\n${run}\n`,
  );
  chmodSync(join(bin, 'systemd-run'), 0o755);
  return { path: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, runtimeDir, argvFile, pidFile };
}

function newHome(): string {
  const home = makeTendHome();
  homes.push(home);
  return home;
}

function envFor(
  home: string,
  fake: Fake,
  extra: Record<string, string> = {},
): Record<string, string | undefined> {
  return { ...process.env, TEND_HOME: home, PATH: fake.path, XDG_RUNTIME_DIR: fake.runtimeDir, ...extra };
}

/** The pid in daemon.json, once the daemon has written it (it does so after it listens). */
function recordedDaemonPid(home: string): Promise<number> {
  return pollUntil('daemon.json to be written', () => daemonPid(home));
}

/** Auto-starts a daemon the way TendClient.connect does, keeping the client's record of what it spawned. */
async function autoStart(home: string, env: Record<string, string | undefined>): Promise<SpawnState> {
  const spawnState: SpawnState = {};
  const socket = await openDaemonSocket(
    {
      socketPath: join(home, 'run', 'tend.sock'),
      autoStart: true,
      daemonCommand: [process.execPath, DAEMON_BIN],
      env,
      stateDir: join(home, 'state'),
      logPath: join(home, 'state', 'daemon.log'),
      timeoutMs: 15_000,
    },
    Date.now() + 15_000,
    spawnState,
  );
  socket.destroy();
  return spawnState;
}

it('starts the daemon in a delegated scope: the flags, the daemon argv, the same pid', async () => {
  const home = newHome();
  const fake = makeFake();
  const spawnState = await autoStart(home, envFor(home, fake));
  const argv = readFileSync(fake.argvFile, 'utf8').trimEnd().split('\n');
  expect(argv.slice(0, 6)).toEqual(['--user', '--scope', '--quiet', '--collect', '-p', 'Delegate=yes']);
  expect(argv[6]).toMatch(new RegExp(`^--unit=tend-daemon-${process.getuid?.()}-[0-9a-f]{6}\\.scope$`));
  expect(argv.slice(7)).toEqual(['--', process.execPath, DAEMON_BIN]);
  // The pid the client recorded is systemd-run's, which must have become the daemon's (exec, no fork):
  // a wrapper that forked would leave daemon.json with another pid.
  const recorded = spawnState.spawned?.pid;
  expect(recorded).toBe(Number(readFileSync(fake.pidFile, 'utf8')));
  expect(await recordedDaemonPid(home)).toBe(recorded);
  expect(isAlive(recorded as number)).toBe(true);
  expect(spawnState.spawned?.inScope).toBe(true);
  // It serves.
  const client = await TendClient.connect({ env: envFor(home, fake), timeoutMs: 15_000 });
  expect((await client.status()).pid).toBe(recorded);
  await client.close();
});

it('the CLI starts its daemon through the scope too', async () => {
  const home = newHome();
  const fake = makeFake();
  const env = { PATH: fake.path, XDG_RUNTIME_DIR: fake.runtimeDir };
  const listed = await tend(home, ['ps', '--json'], { env });
  expect(listed.stderr).toBe('');
  expect(listed.code).toBe(0);
  const status = await tend(home, ['--json', 'daemon', 'status'], { env });
  expect(status.code).toBe(0);
  expect((JSON.parse(status.stdout) as { pid: number }).pid).toBe(Number(readFileSync(fake.pidFile, 'utf8')));
  expect(readFileSync(fake.argvFile, 'utf8')).toContain('Delegate=yes\n');
});

it("the daemon's start error still comes through the scope's start-status pipe", async () => {
  const home = newHome();
  const fake = makeFake();
  // The daemon refuses this home (group-writable), and says so on fd 3, which systemd-run keeps.
  chmodSync(home, 0o775);
  const failure = await TendClient.connect({
    env: envFor(home, fake),
    daemonCommand: [process.execPath, DAEMON_BIN],
    timeoutMs: 15_000,
  }).then(
    async (client) => {
      await client.close();
      return undefined;
    },
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(DaemonUnreachableError);
  const message = (failure as Error).message;
  expect(message).toContain('ended with exit code 1: tend daemon: could not start:');
  expect(message).toContain(`refusing to use ${home}: it is writable by its group (mode 0775)`);
  expect(message).toContain('systemd-run --user --scope');
  expect(message).not.toContain('without a systemd scope');
  expect(existsSync(fake.argvFile)).toBe(true);
});

it('without the user manager socket, or with TEND_SYSTEMD_SCOPE=0, the daemon starts plainly', async () => {
  for (const [fake, extra] of [
    [makeFake({ privateSocket: false }), {}],
    [makeFake(), { TEND_SYSTEMD_SCOPE: '0' }],
  ] as const) {
    const home = newHome();
    const spawnState = await autoStart(home, envFor(home, fake, extra));
    expect(existsSync(fake.argvFile)).toBe(false);
    expect(spawnState.spawned?.inScope).toBeUndefined();
    expect(spawnState.spawned?.command).toEqual([process.execPath, DAEMON_BIN]);
    expect(await recordedDaemonPid(home)).toBe(spawnState.spawned?.pid);
  }
});

it('a bad TEND_SYSTEMD_SCOPE value is refused, naming it', async () => {
  const home = newHome();
  const fake = makeFake();
  const failure = await autoStart(home, envFor(home, fake, { TEND_SYSTEMD_SCOPE: 'yes' })).catch(
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(DaemonUnreachableError);
  expect((failure as Error).message).toContain('TEND_SYSTEMD_SCOPE="yes" is not understood: use 0');
  expect(existsSync(fake.argvFile)).toBe(false);
});

it('when systemd-run fails, the daemon still starts, plainly, and the daemon log says why', async () => {
  const home = newHome();
  const fake = makeFake({ fails: true });
  const spawnState = await autoStart(home, envFor(home, fake));
  expect(existsSync(fake.argvFile)).toBe(true);
  const spawned = spawnState.spawned;
  expect(spawned?.inScope).toBeUndefined();
  expect(spawned?.command).toEqual([process.execPath, DAEMON_BIN]);
  expect(await recordedDaemonPid(home)).toBe(spawned?.pid);
  expect(spawned?.pid).not.toBe(Number(readFileSync(fake.pidFile, 'utf8')));
  const log = readFileSync(join(home, 'state', 'daemon.log'), 'utf8');
  expect(log).toContain('Failed to connect to bus: No medium found');
  expect(log).toContain('tend client: the daemon started with `');
  expect(log).toContain(
    'started the daemon again without a systemd scope (TEND_SYSTEMD_SCOPE=0 skips the scope)',
  );
});

it('when systemd-run hangs (a user manager that does not answer), the daemon is started plainly all the same', async () => {
  const home = newHome();
  const fake = makeFake({ hangs: true });
  wrappers.push({ pidFile: fake.pidFile, home });
  const spawnState = await autoStart(home, envFor(home, fake));
  const spawned = spawnState.spawned;
  expect(spawned?.inScope).toBeUndefined();
  expect(await recordedDaemonPid(home)).toBe(spawned?.pid);
  // The hung systemd-run (our child, blocked in open() of a FIFO, no child of its own) was ended.
  const hung = Number(readFileSync(fake.pidFile, 'utf8'));
  await pollUntil('the hung systemd-run to be gone', () => !isAlive(hung));
  expect(readFileSync(join(home, 'state', 'daemon.log'), 'utf8')).toContain(
    'ended with signal SIGKILL: systemd-run did not start the daemon within 3000 ms',
  );
});
