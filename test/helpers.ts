import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pollUntil } from './support/poll.mjs';
import { type OwnedProcess, ownership, processesWith, signalIfOurs } from './support/processes.mjs';

/** Absolute path of the built CLI entry (`pnpm build` first). */
export const CLI_BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));

/** What a finished CLI process left behind. */
export interface CliResult {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Longest a single CLI invocation may take before the test fails, in ms. */
const CLI_TIMEOUT_MS = 20_000;
/** How long stdout may stay open after the CLI exited, in ms: longer means another process holds it. */
const PIPE_GRACE_MS = 2_000;

/**
 * A fresh, short TEND_HOME under /tmp (`/tmp/tend-XXXXXX`), so the socket path
 * stays far below the 104-byte limit of Unix sockets.
 */
export function makeTendHome(): string {
  return mkdtempSync('/tmp/tend-');
}

/** Environment for a CLI process: this one's, with TEND_HOME set and tend's other variables cleared. */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TEND_HOME: home, ...extra };
  for (const key of ['TEND_SESSION', 'TEND_SOCKET', 'TEND_DEBUG']) if (!(key in extra)) delete env[key];
  return env;
}

/**
 * Runs the built `tend` CLI as a real child process in TEND_HOME=`home` and
 * resolves when it has exited and closed its output. `input` is written to its stdin (then closed);
 * without it stdin is /dev/null.
 * @throws Error when it runs longer than 20 s (`options.timeoutMs`: that many ms), or when its stdout stays open
 *   after it exited (a process it started inherited the pipe).
 */
export function tend(
  home: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const limitMs = options.timeoutMs ?? CLI_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: cliEnv(home, options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    if (options.input !== undefined) child.stdin?.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const what = `tend ${args.join(' ')}`;
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not exit within ${limitMs} ms; stderr: ${stderr}`));
    }, limitMs);
    let graceTimer: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      graceTimer = setTimeout(
        () =>
          reject(
            new Error(
              `${what} exited but its stdout/stderr stayed open for ${PIPE_GRACE_MS} ms: another process inherited them`,
            ),
          ),
        PIPE_GRACE_MS,
      );
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      clearTimeout(graceTimer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `tend --json <args>` (the global option first, so that it cannot end up
 * in a `run` command line), expects exit code 0 and parses stdout as one JSON document.
 * @throws Error quoting stderr when the exit code is not 0 or stdout is not JSON.
 */
export async function tendJson<T = unknown>(home: string, args: readonly string[]): Promise<T> {
  const result = await tend(home, ['--json', ...args]);
  if (result.code !== 0)
    throw new Error(`tend --json ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  try {
    return JSON.parse(result.stdout) as T;
  } catch (err) {
    throw new Error(
      `tend --json ${args.join(' ')} printed no JSON document: ${JSON.stringify(result.stdout)}`,
      { cause: err },
    );
  }
}

/**
 * Runs `tend --json run --wait <args>` (attached runs stream the task's output
 * on stdout; with --json they print the ended task instead) and returns the id
 * of the task, whatever its exit code.
 * @throws Error quoting stderr when stdout is not the task as JSON.
 */
export async function runWaited(
  home: string,
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): Promise<string> {
  const result = await tend(home, ['--json', 'run', '--wait', ...args], options);
  try {
    return (JSON.parse(result.stdout) as { id: string }).id;
  } catch (err) {
    throw new Error(
      `tend --json run --wait ${args.join(' ')} printed no task (exit ${result.code}): ${result.stderr}`,
      { cause: err },
    );
  }
}

/** Pid of the daemon recorded in `<home>/run/daemon.json`, if the file is there. */
export function daemonPid(home: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(home, 'run', 'daemon.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

/**
 * Ends what a test left in `home`: SIGKILL to the process group of every live task the daemon
 * lists (if the group leader still carries TEND_TASK_ID=<id>), SIGTERM to the daemon by the pid
 * in daemon.json (if it still carries TEND_HOME=<home>; SIGKILL when it is still there after 5 s),
 * waits for every other process carrying TEND_HOME=<home> to end (SIGKILL after 5 s), then deletes
 * `home`. See test/support/processes.mjs for the identity checks.
 */
export async function cleanUpTendHome(
  home: string,
  /** The live tasks; by default `tend ps --json` of the workspace's CLI (the release e2e passes its installed one). */
  listTasks: () => Promise<{ id: string; pgid?: number }[]> = async () => {
    const listed = await tend(home, ['ps', '--json']);
    return listed.code === 0 ? JSON.parse(listed.stdout) : [];
  },
): Promise<void> {
  const pid = daemonPid(home);
  const daemon: OwnedProcess | undefined =
    pid === undefined ? undefined : { pid, envMarker: `TEND_HOME=${home}` };
  if (daemon && ownership(daemon) === 'ours') {
    const tasks = await listTasks().catch(() => []);
    for (const task of tasks) {
      if (task.pgid !== undefined && task.pgid > 1)
        signalIfOurs({ pid: task.pgid, envMarker: `TEND_TASK_ID=${task.id}` }, 'SIGKILL', { group: true });
    }
    signalIfOurs(daemon, 'SIGTERM');
    const gone = await pollUntil('the daemon to exit', () => ownership(daemon) !== 'ours', {
      timeoutMs: 5_000,
    }).catch(() => false);
    if (!gone) signalIfOurs(daemon, 'SIGKILL');
  }
  // Any other process of this home: a daemon that lost a start race (it tries the lock for up to 500 ms, then
  // ends without serving, the winner having been stopped on purpose since it started), a client still running.
  // Removing the folder under them failed with ENOTEMPTY (their files came back). 5 s to end, then SIGKILL.
  const marker = `TEND_HOME=${home}`;
  const ended = await pollUntil(
    "this home's other processes to end",
    () => processesWith(marker).length === 0,
    {
      timeoutMs: 5_000,
    },
  ).catch(() => false);
  if (!ended) {
    for (const pid of processesWith(marker)) signalIfOurs({ pid, envMarker: marker }, 'SIGKILL');
    await pollUntil("this home's other processes to be killed", () => processesWith(marker).length === 0, {
      timeoutMs: 5_000,
    });
  }
  rmSync(home, { recursive: true, force: true });
}
