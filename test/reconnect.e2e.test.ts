import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TendClient } from '../packages/client/dist/index.js';
import { DAEMON_BIN } from './daemon-harness.js';
import {
  CLI_BIN,
  cleanUpTendHome,
  cliEnv,
  daemonPid,
  makeTendHome,
  tend,
  tendJson,
  type CliResult,
} from './helpers.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

// Clients survive daemon restarts: a wait keeps waiting, a follow resumes at its offset
// (every byte exactly once), and stderr says that they reconnected. A deliberate stop ends them.

// clientsInitialized() reads the daemon's "client initialized" records, logged at debug level.
process.env.TEND_LOG_LEVEL = 'debug';

let home: string;

beforeEach(() => {
  home = makeTendHome();
});
afterEach(async () => {
  if (process.env.DEBUG_RECONNECT) console.log(readFileSync(join(home, 'state', 'daemon.log'), 'utf8'));
  await cleanUpTendHome(home);
});

/** A `tend` CLI process left running, whose output the test can watch. */
interface Running {
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

/** Starts the built CLI in TEND_HOME=`home` without waiting for it. */
function startTend(args: readonly string[]): Running {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: cliEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tend ${args.join(' ')} did not exit within 25 s; stderr: ${stderr}`));
    }, 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
  return { stdout: () => stdout, stderr: () => stderr, done };
}

/**
 * Waits until `n` clients have finished daemon/initialize with the running daemon (its log's
 * "client initialized" records), so that losing the connection is a reconnect for each of them.
 */
async function clientsInitialized(n: number): Promise<void> {
  const logPath = join(home, 'state', 'daemon.log');
  await pollUntil(
    `${n} clients to initialize`,
    () => {
      const pid = daemonPid(home);
      const records = readFileSync(logPath, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => parseRecord(line));
      return records.filter((r) => r.pid === pid && r.msg === 'client initialized').length >= n
        ? true
        : undefined;
    },
    { intervalMs: 20 },
  );
}

/** One daemon.log line as a pino record; {} for the plain text a daemon that lost the start race prints. */
function parseRecord(line: string): { pid?: number; msg?: string } {
  try {
    return JSON.parse(line) as { pid?: number; msg?: string };
  } catch {
    return {};
  }
}

type How = 'tend daemon restart' | 'kill -9';

/**
 * Takes the daemon away while clients wait: `tend daemon restart`, or SIGKILL by the pid in
 * daemon.json (the waiting clients then auto-start the next one). `meanwhile` runs once the old
 * daemon's process is gone, before a new one serves (the task writes on, or ends, meanwhile).
 * @returns the pid of the daemon that went.
 */
async function takeDaemonAway(how: How, meanwhile: () => void): Promise<number> {
  const old = daemonPid(home);
  if (old === undefined) throw new Error('no daemon.json: the daemon is not running');
  const gone = () =>
    pollUntil('the old daemon to be gone', () => (isAlive(old) ? undefined : true), { intervalMs: 5 });
  if (how === 'kill -9') {
    process.kill(old, 'SIGKILL');
    await gone();
    meanwhile();
  } else {
    const restart = tend(home, ['daemon', 'restart']);
    await gone();
    meanwhile();
    const result = await restart;
    expect(result.code, result.stderr).toBe(0);
  }
  return old;
}

/** `line 1\n` … `line n\n`. */
function numberedLines(from: number, to: number): string {
  let text = '';
  for (let i = from; i <= to; i++) text += `line ${i}\n`;
  return text;
}

/** A shell loop printing `line from` … `line to`. */
function printLines(from: number, to: number): string {
  return `i=${from}; while [ $i -le ${to} ]; do echo "line $i"; i=$((i+1)); done`;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The task used by the follow tests: 200 lines, then (once `go` exists) 3000 more, then exit 3. */
function gatedLinesTask(go: string): string {
  return `${printLines(1, 200)}; ${untilFileExists(go, home)}; ${printLines(201, 3200)}; exit 3`;
}

/** The reconnect line for the daemon now running. */
function reconnectedLine(): string {
  return `tend: reconnected to the tend daemon (pid ${daemonPid(home)})`;
}

describe.each<How>(['tend daemon restart', 'kill -9'])('clients across %s', (how) => {
  it('tend run --wait and tend wait keep waiting and exit with the code the task ended with', async () => {
    const go = join(home, 'go');
    const run = startTend([
      'run',
      '--wait',
      '--name',
      'gated',
      '--',
      `echo started; ${untilFileExists(go, home)}; echo resumed; exit 2`,
    ]);
    // This wait includes a cold daemon start, which takes seconds with both cores busy.
    await pollUntil(
      'run --wait to print the first line',
      () => (run.stdout() === 'started\n' ? true : undefined),
      {
        timeoutMs: 25_000,
      },
    );
    const wait = startTend(['wait', 'gated']);
    await clientsInitialized(2);

    const old = await takeDaemonAway(how, () => writeFileSync(go, ''));
    const [ran, waited] = await Promise.all([run.done, wait.done]);

    expect(daemonPid(home)).not.toBe(old);
    expect(ran.code, ran.stderr).toBe(2);
    expect(ran.stdout).toBe('started\nresumed\n');
    expect(ran.stderr).toContain(reconnectedLine());
    expect(waited.code, waited.stderr).toBe(2);
    expect(waited.stderr).toContain(reconnectedLine());
  });

  it('tend logs -f resumes at its offset and prints every byte exactly once', async () => {
    const go = join(home, 'go');
    const task = await tendJson<{ id: string; logPath: string }>(home, ['run', '--', gatedLinesTask(go)]);
    const logs = startTend(['logs', '-f', task.id]);
    await pollUntil('logs -f to print line 200', () =>
      logs.stdout().includes('line 200\n') ? true : undefined,
    );

    await takeDaemonAway(how, () => writeFileSync(go, ''));
    const result = await logs.done;

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(reconnectedLine());
    expect(result.stdout).toBe(numberedLines(1, 3200));
    expect(sha256(result.stdout)).toBe(sha256(readFileSync(task.logPath)));
  });

  it('TendClient.follow() yields every byte exactly once and wait() resolves with the exit code', async () => {
    const go = join(home, 'go');
    const client = await TendClient.connect({
      env: cliEnv(home),
      daemonCommand: [process.execPath, DAEMON_BIN],
    });
    try {
      const reconnects: number[] = [];
      client.onReconnect((daemon) => reconnects.push(daemon.pid));
      const task = await client.run({ command: gatedLinesTask(go), cwd: home });
      let text = '';
      let last = 0;
      const following = (async () => {
        for await (const chunk of client.follow(task.id, { limit: 4096 })) {
          expect(chunk.offset).toBe(last);
          last = chunk.nextOffset;
          text += chunk.data;
        }
      })();
      const waiting = client.wait(task.id);
      await pollUntil('follow() to yield line 200', () => (text.includes('line 200\n') ? true : undefined));

      const old = await takeDaemonAway(how, () => writeFileSync(go, ''));
      await following;
      const { task: ended } = await waiting;

      expect(ended).toMatchObject({ state: 'failed', exitCode: 3 });
      expect(text).toBe(numberedLines(1, 3200));
      expect(sha256(text)).toBe(sha256(readFileSync(task.logPath)));
      expect(reconnects).toEqual([daemonPid(home)]);
      expect(client.daemon.pid).not.toBe(old);
    } finally {
      await client.close();
    }
  });
});

describe('a deliberate tend daemon stop', () => {
  it('ends a waiting tend wait with exit 125 and a message, starts no new daemon, and the next daemon clears the mark', async () => {
    const task = await tendJson<{ id: string }>(home, ['run', '--', untilFileExists(join(home, 'go'), home)]);
    const wait = startTend(['wait', task.id]);
    await clientsInitialized(2);
    const old = daemonPid(home) as number;

    const stopped = await tend(home, ['daemon', 'stop']);
    const waited = await wait.done;

    expect(stopped.code, stopped.stderr).toBe(0);
    expect(waited.code).toBe(125);
    expect(waited.stderr).toContain(
      `the tend daemon (pid ${old}) was stopped (tend daemon stop, or SIGTERM)`,
    );
    expect(waited.stderr).not.toContain('reconnected');
    expect(daemonPid(home)).toBeUndefined();
    expect(existsSync(join(home, 'run', 'stopped.json'))).toBe(true);

    // The mark is about that daemon only: the next one removes it, and its clients reconnect again.
    expect((await tend(home, ['daemon', 'start'])).code).toBe(0);
    expect(existsSync(join(home, 'run', 'stopped.json'))).toBe(false);
  });
});

describe('a daemon whose TEND_HOME was removed', () => {
  it('ends a waiting tend wait with exit 125 when the daemon dies, and starts no daemon in the removed home', async () => {
    // The task's loop ends by itself once the home is gone.
    const task = await tendJson<{ id: string }>(home, ['run', '--', untilFileExists(join(home, 'go'), home)]);
    const wait = startTend(['wait', task.id]);
    await clientsInitialized(2);
    const old = daemonPid(home) as number;

    rmSync(home, { recursive: true, force: true });
    process.kill(old, 'SIGKILL');
    const waited = await wait.done;

    expect(waited.code, waited.stderr).toBe(125);
    expect(waited.stderr).toContain(`the tend daemon (pid ${old}) ended and its task store`);
    expect(waited.stderr).toContain('no longer exists');
    expect(waited.stderr).not.toContain('reconnected');
    expect(existsSync(home)).toBe(false);
  });
});
