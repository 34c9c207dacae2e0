// A task runs in the environment, umask and directory of the shell that typed `tend run`, not in
// those of whoever started the daemon; `--env-from daemon` asks for the daemon's.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, daemonPid, makeTendHome } from './helpers.js';

interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` with /bin/sh -c in exactly `env` (nothing inherited), like a user's shell. */
function shell(script: string, env: Record<string, string>, cwd?: string): Promise<ShellResult> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', script], { env, cwd, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const TEND = `${q(process.execPath)} ${q(CLI_BIN)}`;

interface EndedTask {
  exitCode?: number;
  logPath: string;
  env: Record<string, string>;
  capturedEnvNames?: string[];
  capturedEnv?: Record<string, string>;
  capturedEnvCount?: number;
  umask?: string;
}

let home: string;
let fakebin: string;
let userEnv: Record<string, string>;

beforeEach(async () => {
  home = makeTendHome();
  fakebin = join(home, 'fakebin');
  mkdirSync(fakebin);
  writeFileSync(join(fakebin, 'faketool'), '#!/bin/sh\necho fake\n');
  chmodSync(join(fakebin, 'faketool'), 0o755);
  // The daemon is started first, by someone with a bare environment and the default umask.
  const started = await shell(`umask 022; exec ${TEND} daemon start`, {
    PATH: '/usr/bin:/bin',
    TEND_HOME: home,
    DAEMON_ONLY: 'd',
  });
  expect(started.code, started.stderr).toBe(0);
  userEnv = { PATH: '/usr/bin:/bin', TEND_HOME: home, HOME: home };
});

afterEach(async () => {
  await cleanUpTendHome(home);
});

/** `tend --json run --wait …` from a shell with FOO=bar, fakebin first on PATH and umask 077; the ended task and its output. */
async function runFromUserShell(
  args: string,
  extraEnv: Record<string, string> = {},
): Promise<{ task: EndedTask; output: string }> {
  const script = `umask 077; export FOO=bar PATH=${q(fakebin)}:$PATH; exec ${TEND} --json run --wait ${args}`;
  const result = await shell(script, { ...userEnv, ...extraEnv });
  expect(result.code, result.stderr).toBe(0);
  const task = JSON.parse(result.stdout) as EndedTask;
  return { task, output: readFileSync(task.logPath, 'utf8') };
}

const PROBE = q(
  'echo "FOO=$FOO"; echo "DAEMON_ONLY=$DAEMON_ONLY"; command -v faketool || echo "faketool: not found"; umask',
);

describe('tend run and the environment it gives a task', () => {
  it("gives the task the caller's variables, PATH and umask, not the daemon's", async () => {
    const { task, output } = await runFromUserShell(`-- ${PROBE}`);
    expect(output).toContain('FOO=bar\n');
    expect(output).toContain('DAEMON_ONLY=\n');
    expect(output).toContain(`${join(fakebin, 'faketool')}\n`);
    expect(output).toMatch(/^0077$/m);
    expect(task.umask).toBe('0077');
    expect(task.env).toEqual({});
  });

  it("gives the task the daemon's environment with --env-from daemon", async () => {
    const { output } = await runFromUserShell(`--env-from daemon -- ${PROBE}`);
    expect(output).toContain('FOO=\n');
    expect(output).toContain('DAEMON_ONLY=d\n');
    expect(output).toContain('faketool: not found\n');
  });

  it("keeps the variables added for the daemon process alone (MALLOC_ARENA_MAX) out of tasks' environment", async () => {
    // The daemon the CLI started runs with MALLOC_ARENA_MAX=2 (DAEMON_ENV): its initial environment says so.
    const pid = daemonPid(home) as number;
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('MALLOC_ARENA_MAX=2');
    expect(environ).toContain('TEND_DAEMON_ONLY_ENV=MALLOC_ARENA_MAX');
    const probe = q('echo "arena=${MALLOC_ARENA_MAX-unset} only=${TEND_DAEMON_ONLY_ENV-unset}"');
    const { output } = await runFromUserShell(`--env-from daemon -- ${probe}`);
    expect(output).toBe('arena=unset only=unset\n');
    // Set by the caller, it is the caller's, and tasks keep it.
    const { output: callers } = await runFromUserShell(`-- ${probe}`, { MALLOC_ARENA_MAX: '4' });
    expect(callers).toBe('arena=4 only=unset\n');
  });

  it('takes a bare -e VAR from the caller, -e VAR=x as given, and lets both override the captured environment', async () => {
    const { task, output } = await runFromUserShell(
      `-e FOO=x -e BAR -e UNSET_HERE -- ${q('echo "FOO=$FOO BAR=$BAR U=${UNSET_HERE-unset}"')}`,
      {
        BAR: 'from-shell',
      },
    );
    expect(output).toBe('FOO=x BAR=from-shell U=unset\n');
    expect(task.env).toEqual({ FOO: 'x', BAR: 'from-shell' });
  });

  it('reads --env-file with comments and quotes; -e wins over it', async () => {
    const file = join(home, 'vars.env');
    writeFileSync(
      file,
      '# a comment\n\nA=plain # trailing comment\nexport B="two words"\nC=\'single #not a comment\'\nFOO=from-file\n',
    );
    const { output } = await runFromUserShell(
      `--env-file ${q(file)} -e C=cli -- ${q('echo "A=$A|B=$B|C=$C|FOO=$FOO"')}`,
    );
    expect(output).toBe('A=plain|B=two words|C=cli|FOO=from-file\n');
  });

  it('refuses an --env-file with an invalid line, naming the file and line, and starts nothing', async () => {
    const file = join(home, 'bad.env');
    writeFileSync(file, 'A=1\n# fine\nnot a variable\n');
    const marker = join(home, 'started');
    const result = await shell(`exec ${TEND} run --env-file ${q(file)} -- ${q(`touch ${marker}`)}`, userEnv);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain(`${file}:3: not a KEY=VALUE line: "not a variable"`);
    const listed = await shell(`exec ${TEND} --json ps -a`, userEnv);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('refuses, with advice, an environment too big to pass to execve, and starts nothing', async () => {
    const big = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`BIG${i}`, 'x'.repeat(100_000)]));
    const result = await shell(`exec ${TEND} run -- true`, { ...userEnv, ...big });
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(
      /^tend: the command and the task's environment take \d+ bytes; at most 1048576 .*unset large variables in this shell, or use --env-from daemon\n$/,
    );
    const listed = await shell(`exec ${TEND} --json ps -a`, userEnv);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('inspect lists the captured names but shows their values only with --env', async () => {
    const { task } = await runFromUserShell(`-e OVERRIDE=shown -- true`, { SECRET_TOKEN: 's3cr3t' });
    const id = (task as unknown as { id: string }).id;
    const plain = await shell(`exec ${TEND} inspect ${id}`, userEnv);
    expect(plain.code, plain.stderr).toBe(0);
    const shown = JSON.parse(plain.stdout) as EndedTask;
    expect(shown.capturedEnvNames).toContain('SECRET_TOKEN');
    expect(shown.env).toEqual({ OVERRIDE: 'shown' });
    expect(plain.stdout).not.toContain('s3cr3t');
    const full = JSON.parse((await shell(`exec ${TEND} inspect --env ${id}`, userEnv)).stdout) as EndedTask;
    expect(full.capturedEnv?.SECRET_TOKEN).toBe('s3cr3t');
    const daemonLog = readFileSync(join(home, 'state', 'daemon.log'), 'utf8');
    expect(daemonLog).not.toContain('s3cr3t');
    // The row holds the secret, so the database and its directory are private.
    expect(statSync(join(home, 'state')).mode & 0o777).toBe(0o700);
    for (const name of ['tend.db', 'tend.db-wal'])
      expect(statSync(join(home, 'state', name)).mode & 0o777, name).toBe(0o600);
  });
});
