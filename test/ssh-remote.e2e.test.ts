import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI_BIN,
  cleanUpTendHome,
  cliEnv,
  daemonPid,
  makeTendHome,
  tend,
  type CliResult,
} from './helpers.js';
import { startSshd, type SshdFixture } from './sshd-fixture.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

// tend on "another machine": a private sshd on a loopback port (Debian's openssh-server, a throwaway host key
// and key pair) in front of a tend with its own TEND_HOME. The local CLI, with TEND_HOST=ssh://…, reaches it
// through the system's ssh (`ssh -F <temp config> … <remote-tend> daemon dial-stdio`).

let sshd: SshdFixture;
/** The local TEND_HOME: nothing may start there, every request goes to the remote. */
let localHome: string;

beforeAll(async () => {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`);
  localHome = makeTendHome();
  sshd = await startSshd();
}, 90_000);

afterAll(async () => {
  if (localHome) await cleanUpTendHome(localHome);
  await sshd?.stop();
}, 60_000);

/**
 * `tend <args>` in the local TEND_HOME with the remote's TEND_HOST (and `extra` variables). Not helpers' tend(),
 * whose 20 s budget is too short here: each call runs ssh, an sshd session and a second node on a busy machine.
 */
function remote(args: readonly string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return startRemote(args, extra).done;
}

/** `tend <args>` in the local TEND_HOME with only `env` for ssh (no TEND_HOST), within the same budget. */
function local(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return startRemote(args, { TEND_HOST: '', ...env }).done;
}

async function remoteJson<T>(args: readonly string[]): Promise<T> {
  const result = await remote(['--json', ...args]);
  if (result.code !== 0) throw new Error(`tend ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** A CLI left running (logs -f), with its pid for finding its ssh child. */
function startRemote(
  args: readonly string[],
  extra: Record<string, string> = {},
): {
  pid: number;
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
} {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: cliEnv(localHome, { ...sshd.clientEnv, ...extra }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tend ${args.join(' ')} did not exit within 90 s; stderr: ${stderr}`));
    }, 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
  return { pid: child.pid as number, stdout: () => stdout, stderr: () => stderr, done };
}

/** Pids of the `ssh` processes whose parent is `parent` (from /proc/<pid>/stat). */
function sshChildrenOf(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && comm === 'ssh') found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('TEND_HOST=ssh://… over a real sshd', () => {
  it('runs a task on the remote, lists it, follows its output, waits for its exit code and stops another', async () => {
    const result = await remote(['run', '--name', 'remote-job', '--', 'echo "home=$TEND_HOME"; exit 7']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(/^[a-z0-9]+$/);

    const waited = await remote(['wait', id]);
    expect(waited.code).toBe(7);
    const logs = await remote(['logs', '-f', id]);
    expect(logs.code).toBe(0);
    // The task ran under the remote daemon (its env: the remote TEND_HOME), not with this shell's variables.
    expect(logs.stdout).toBe(`home=${sshd.remoteHome}\n`);

    const sleeper = (await remote(['run', '--name', 'sleeper', '--', 'sleep 300'])).stdout.trim();
    const listed = await remoteJson<{ id: string; name: string; state: string }[]>(['ps']);
    expect(listed.map((t) => t.name)).toEqual(['sleeper']);
    const all = await remoteJson<{ id: string; state: string; exitCode?: number }[]>(['ps', '-a']);
    expect(all.find((t) => t.id === id)).toMatchObject({ state: 'failed', exitCode: 7 });

    const stopped = await remote(['stop', '-t', '1', 'sleeper']);
    expect(stopped.code).toBe(0);
    const after = await remoteJson<{ state: string }>(['inspect', sleeper]);
    expect(after.state).toBe('killed');

    // Everything happened on the remote: the local TEND_HOME has no daemon, the remote one has.
    expect(daemonPid(localHome)).toBeUndefined();
    expect(daemonPid(sshd.remoteHome)).toBeDefined();
    // --host and --context name it as well as TEND_HOST does.
    const byFlag = await local(['ps', '-a', '--json', '--host', sshd.host], {
      TEND_SSH_COMMAND: sshd.clientEnv.TEND_SSH_COMMAND,
      TEND_REMOTE_COMMAND: sshd.clientEnv.TEND_REMOTE_COMMAND,
    });
    expect(byFlag.code).toBe(0);
    expect((JSON.parse(byFlag.stdout) as { id: string }[]).map((t) => t.id)).toContain(id);
  }, 180_000);

  it('sends the local environment only with --env-from local', async () => {
    const marker = { TEND_TEST_LOCAL_ONLY: 'from-this-machine' };
    const plain = await remote(['run', '--wait', '--', 'echo "[$TEND_TEST_LOCAL_ONLY]"'], marker);
    expect(plain.stdout).toBe('[]\n');
    const local = await remote(
      ['run', '--wait', '--env-from', 'local', '--', 'echo "[$TEND_TEST_LOCAL_ONLY]"'],
      marker,
    );
    expect(local.stdout).toBe('[from-this-machine]\n');
  }, 90_000);

  it('names the host with tend context', async () => {
    const env = {
      TEND_SSH_COMMAND: sshd.clientEnv.TEND_SSH_COMMAND,
      TEND_REMOTE_COMMAND: sshd.clientEnv.TEND_REMOTE_COMMAND,
    };
    const created = await local(['context', 'create', 'devbox', '--host', sshd.host], env);
    expect(created.code).toBe(0);
    const listed = await local(['context', 'ls'], env);
    expect(listed.stdout).toMatch(/^default \*\s+this machine$/m);
    expect(listed.stdout).toMatch(new RegExp(`^devbox +${sshd.host.replace(/[.]/g, '\\.')}$`, 'm'));
    const ps = await local(['--context', 'devbox', 'ps', '-a', '--json'], env);
    expect(ps.code).toBe(0);
    expect(JSON.parse(ps.stdout).length).toBeGreaterThan(0);
    expect(daemonPid(localHome)).toBeUndefined();
    expect((await local(['context', 'use', 'devbox'], env)).code).toBe(0);
    const current = await local(['daemon', 'status', '--json'], env);
    expect(JSON.parse(current.stdout).stateDir).toBe(join(sshd.remoteHome, 'state'));
    const unknown = await local(['--context', 'nope', 'ps'], env);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toContain('no context named "nope"');
    expect((await local(['context', 'rm', 'devbox'], env)).code).toBe(0);
    expect(daemonPid(localHome)).toBeUndefined();
  }, 120_000);

  it('keeps following through a killed ssh connection: reconnects, no byte lost or repeated, the task runs on', async () => {
    const gate = join(sshd.dir, 'gate');
    // 40 lines before the gate, 40 after: the ssh connection is killed in between.
    const command = `for i in $(seq 1 40); do echo line$i; done; ${untilFileExists(gate)}; for i in $(seq 41 80); do echo line$i; done`;
    const id = (await remote(['run', '--', command])).stdout.trim();
    const remoteDaemon = daemonPid(sshd.remoteHome);
    const follower = startRemote(['logs', '-f', id]);
    await pollUntil('the first 40 lines', () => follower.stdout().includes('line40\n'), {
      timeoutMs: 60_000,
    });
    const [ssh] = await pollUntil('the ssh child of logs -f', () => {
      const found = sshChildrenOf(follower.pid);
      return found.length === 1 ? found : undefined;
    });
    process.kill(ssh as number, 'SIGKILL');
    await pollUntil('the reconnect', () => follower.stderr().includes('reconnected to the tend daemon on'), {
      timeoutMs: 60_000,
    });
    writeFileSync(gate, '');
    const done = await follower.done;
    expect(done.code).toBe(0);
    const expected = Array.from({ length: 80 }, (_, i) => `line${i + 1}\n`).join('');
    expect(done.stdout).toBe(expected);
    expect(done.stderr).toBe(`tend: reconnected to the tend daemon on ${sshd.host} (pid ${remoteDaemon})\n`);
    expect(isAlive(ssh as number)).toBe(false);
    // The remote daemon and its task never noticed: same daemon, the task ended by itself.
    expect(daemonPid(sshd.remoteHome)).toBe(remoteDaemon);
    const task = await remoteJson<{ state: string; exitCode: number }>(['inspect', id]);
    expect(task).toMatchObject({ state: 'succeeded', exitCode: 0 });
  }, 120_000);

  it('ends a follow when the remote daemon is stopped on purpose, instead of starting a new one there', async () => {
    const gate = join(sshd.dir, 'gate-stop');
    const id = (
      await remote(['run', '--', `echo before; ${untilFileExists(gate, sshd.remoteHome)}; echo after`])
    ).stdout.trim();
    const remoteDaemon = daemonPid(sshd.remoteHome) as number;
    const follower = startRemote(['logs', '-f', id]);
    await pollUntil('the first line', () => follower.stdout().includes('before\n'), { timeoutMs: 60_000 });
    // `tend daemon stop` run on the remote machine itself.
    const stop = await tend(sshd.remoteHome, ['daemon', 'stop']);
    expect(stop.code).toBe(0);
    const done = await follower.done;
    expect(done.code).toBe(125);
    expect(done.stderr).toContain(`the tend daemon (pid ${remoteDaemon}) was stopped`);
    expect(daemonPid(sshd.remoteHome)).toBeUndefined();
    // The task kept running; the next command starts a daemon there again, which adopts it.
    writeFileSync(gate, '');
    expect((await remote(['wait', id])).code).toBe(0);
    expect((await remote(['logs', id])).stdout).toBe('before\nafter\n');
  }, 120_000);

  it('serves tend mcp over the tunnel to the SDK client', async () => {
    const workspace = join(sshd.dir, 'project');
    mkdirSync(workspace, { recursive: true });
    const env = Object.fromEntries(
      Object.entries(cliEnv(localHome, sshd.clientEnv)).filter(
        (e): e is [string, string] => e[1] !== undefined,
      ),
    );
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_BIN, 'mcp', '--cwd', workspace],
      env,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'tend-ssh-e2e', version: '1.0.0' });
    await client.connect(transport);
    try {
      const started = await client.callTool({
        name: 'start_task',
        arguments: { command: 'echo "mcp on $TEND_HOME"; pwd', wait_until: { exit: true } },
      });
      const text = (started.content as { text: string }[]).map((c) => c.text).join('\n');
      expect(started.isError ?? false, `${text}\n${stderr}`).toBe(false);
      expect(text).toContain(`mcp on ${sshd.remoteHome}`);
      expect(text).toContain(workspace);
      const listed = await client.callTool({ name: 'list_tasks', arguments: { all: true } });
      expect((listed.content as { text: string }[])[0]?.text).toContain('echo "mcp on $TEND_HOME"');
    } finally {
      await client.close();
    }
    expect(daemonPid(localHome)).toBeUndefined();
  }, 120_000);

  it("reports ssh failures with ssh's own message and exit 125", async () => {
    // A host key that is not the one in known_hosts.
    const otherKnown = join(sshd.dir, 'other_known_hosts');
    const other = readFileSync(join(sshd.dir, 'client_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(otherKnown, `[127.0.0.1]:${sshd.port} ${other}\n`);
    const wrongKey = await remote(['ps'], {
      TEND_SSH_COMMAND: `exec ssh -F ${sshd.sshConfig} -o UserKnownHostsFile=${otherKnown}`,
    });
    expect(wrongKey.code).toBe(125);
    expect(wrongKey.stderr).toMatch(
      /^tend: ssh to ssh:\/\/.* exited with status 255 before the tend daemon answered: /,
    );
    expect(wrongKey.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);

    const noHost = await remote(['ps'], { TEND_HOST: 'ssh://no-such-host.invalid' });
    expect(noHost.code).toBe(125);
    expect(noHost.stderr).toContain('Could not resolve hostname no-such-host.invalid');

    const noTend = await remote(['ps'], { TEND_REMOTE_COMMAND: join(sshd.dir, 'no-such-tend') });
    expect(noTend.code).toBe(125);
    expect(noTend.stderr).toContain(`tend: no tend on ${sshd.host}`);
    expect(noTend.stderr).toContain('TEND_REMOTE_COMMAND');

    const json = await remote(['--json', 'ps'], { TEND_HOST: 'ssh://no-such-host.invalid' });
    expect(json.code).toBe(125);
    expect(JSON.parse(json.stdout).error).toMatchObject({ reason: 'remote_host', exitCode: 125 });

    const badUrl = await remote(['ps'], { TEND_HOST: 'tcp://127.0.0.1:2375' });
    expect(badUrl.code).toBe(125);
    expect(badUrl.stderr).toContain('only ssh:// hosts are supported');
    expect(daemonPid(localHome)).toBeUndefined();
  }, 120_000);
});
