import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Completion, Task } from '@tend/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, daemonPid, makeTendHome, runWaited, tend, tendJson } from './helpers.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

// The agent features of the CLI: run --reuse, logs --new (durable cursors), wait --until-…,
// the completion inbox, stats and filters in ps/inspect. Real daemon, real processes.

let home: string;

beforeAll(() => {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`);
});

beforeEach(() => {
  home = makeTendHome();
});

afterEach(async () => {
  await cleanUpTendHome(home);
});

/** Runs `tend run <args>` and returns the id it printed, checking it is the only output. */
async function runTask(args: string[], env?: Record<string, string>): Promise<string> {
  const result = await tend(home, ['run', ...args], env ? { env } : {});
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^[a-z0-9]+\n$/);
  return result.stdout.trim();
}

/** A TCP port that was free a moment ago on 127.0.0.1 (the kernel picked it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A shell command that runs an HTTP server on 127.0.0.1:`port` after `delay` seconds (node, as the tests run on it). */
function httpServerCommand(port: number, delay = 0.3): string {
  const js = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
  return `sleep ${delay}; exec '${process.execPath}' -e "${js}"`;
}

/** Calls `tend logs --new` (with `args`) until what it printed, added up, is `expected`; returns the pieces. */
async function readNewUntil(id: string, expected: string, args: string[] = []): Promise<string[]> {
  const pieces: string[] = [];
  await pollUntil(`logs --new to have printed ${JSON.stringify(expected)}`, async () => {
    const result = await tend(home, ['logs', '--new', ...args, id]);
    expect(result.code).toBe(0);
    pieces.push(result.stdout);
    const seen = pieces.join('');
    if (!expected.startsWith(seen))
      throw new Error(`logs --new printed ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
    return seen === expected ? true : undefined;
  });
  return pieces;
}

describe('tend run --reuse', () => {
  it('prints the id of the live task of that name running the same command, says so on stderr and marks it reused in JSON', async () => {
    const command = 'sleep 30';
    const id = await runTask(['--name', 'web', '--reuse', '--', command]);
    const again = await tend(home, ['run', '--name', 'web', '--reuse', '--', command]);
    expect(again).toEqual({ code: 0, stdout: `${id}\n`, stderr: `tend: reusing live task ${id} (web)\n` });
    const json = await tendJson<Task & { reused?: boolean }>(home, [
      'run',
      '--name',
      'web',
      '--reuse',
      '--',
      command,
    ]);
    expect(json).toMatchObject({ id, name: 'web', state: 'running', reused: true });
    expect((await tendJson<Task[]>(home, ['ps'])).map((t) => t.id)).toEqual([id]);
  });

  it('refuses with exit 125 when the live task of that name runs another command, and --reuse without --name', async () => {
    const id = await runTask(['--name', 'web', '--', 'sleep 30']);
    const conflict = await tend(home, ['run', '--name', 'web', '--reuse', '--', 'sleep 31']);
    expect(conflict.code).toBe(125);
    expect(conflict.stdout).toBe('');
    expect(conflict.stderr).toMatch(/^tend: .*"web".*sleep 31/);
    const nameless = await tend(home, ['run', '--reuse', '--', 'sleep 30']);
    expect(nameless).toMatchObject({
      code: 125,
      stderr: 'tend: --reuse needs --name: it reuses the live task of that name\n',
    });
    expect((await tendJson<Task[]>(home, ['ps'])).map((t) => t.id)).toEqual([id]);
  });

  it('starts a new task when the task of that name has ended', async () => {
    const first = await runWaited(home, ['--name', 'job', '--reuse', '--', 'true']);
    const second = await tend(home, ['run', '--name', 'job', '--reuse', '--', 'true']);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('');
    expect(second.stdout.trim()).not.toBe(first);
  });
});

describe('tend logs --new', () => {
  it('prints only the bytes this reader has not read yet, and the cursor survives a daemon restart', async () => {
    const [release1, release2] = [join(home, 'r1'), join(home, 'r2')];
    const id = await runTask([
      '--',
      `echo one; ${untilFileExists(release1)}; echo two; ${untilFileExists(release2)}; echo three`,
    ]);
    await readNewUntil(id, 'one\n');
    expect(await tend(home, ['logs', '--new', id])).toEqual({ code: 0, stdout: '', stderr: '' });

    writeFileSync(release1, '');
    await readNewUntil(id, 'two\n');

    const oldPid = daemonPid(home)!;
    expect((await tend(home, ['daemon', 'restart'])).code).toBe(0);
    expect(isAlive(oldPid)).toBe(false);
    writeFileSync(release2, '');
    expect((await tend(home, ['wait', id])).code).toBe(0);
    expect(await tend(home, ['logs', '--new', id])).toEqual({ code: 0, stdout: 'three\n', stderr: '' });
    expect((await tend(home, ['logs', '--new', id])).stdout).toBe('');

    // Another reader has its own cursor; plain logs moves none.
    expect((await tend(home, ['logs', '--reader', 'agent-7', id])).stdout).toBe('one\ntwo\nthree\n');
    expect((await tend(home, ['logs', '--new', '--reader', 'agent-7', id])).stdout).toBe('');
    expect((await tend(home, ['logs', id])).stdout).toBe('one\ntwo\nthree\n');
    expect((await tend(home, ['logs', '--new', id])).stdout).toBe('');
  });

  it('follows from the cursor with -f and moves it, so a later --new prints nothing', async () => {
    const release = join(home, 'release');
    const id = await runTask(['--', `echo a; ${untilFileExists(release)}; echo b; sleep 0.2; echo c`]);
    await readNewUntil(id, 'a\n');
    const following = tend(home, ['logs', '--new', '-f', id]);
    writeFileSync(release, '');
    expect(await following).toEqual({ code: 0, stdout: 'b\nc\n', stderr: '' });
    expect((await tend(home, ['logs', '--new', id])).stdout).toBe('');
  });

  it('refuses --new together with -n, --head or --bytes', async () => {
    const result = await tend(home, ['logs', '--new', '-n', '3', 'x']);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/^tend: --new .* cannot be combined with -n, --head or --bytes/);
  });
});

/** Polls until a second client (the command under test) is connected to the daemon: status itself is the first. */
async function otherClientConnected(): Promise<void> {
  await pollUntil('the other tend command to connect', async () => {
    const status = await tend(home, ['--json', 'daemon', 'status']);
    return status.code === 0 && (JSON.parse(status.stdout) as { clients: number }).clients >= 2
      ? true
      : undefined;
  });
}

describe('tend logs -f, --clean, --grep and --max-bytes', () => {
  it('follows output written after a pause with -f --json: each byte once, in JSON lines, the last one saying the task ended', async () => {
    const release = join(home, 'release');
    const id = await runTask(['--', `echo first; ${untilFileExists(release)}; echo second`]);
    await pollUntil('the first line', async () =>
      (await tend(home, ['logs', id])).stdout === 'first\n' ? true : undefined,
    );
    const following = tend(home, ['logs', '-f', '--json', id]);
    await otherClientConnected();
    writeFileSync(release, '');
    const result = await following;
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { data: string; offset: number; nextOffset: number; ended: boolean },
      );
    expect(lines.map((l) => l.data).join('')).toBe('first\nsecond\n');
    expect(lines.at(-1)).toEqual({ data: '', offset: 13, nextOffset: 13, skippedBytes: 0, ended: true });
  });

  it('follows with --grep, printing only the matching lines as they come', async () => {
    const id = await runTask([
      '--',
      'for i in 1 2 3 4; do echo "step $i"; echo "noise $i"; sleep 0.15; done; printf "step end"',
    ]);
    const result = await tend(home, ['logs', '-f', '--grep', '^step', id]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    // Groups of matches are separated by `--` lines (grep -C style), also without context.
    expect(result.stdout.split('\n').filter((line) => line !== '--')).toEqual([
      'step 1',
      'step 2',
      'step 3',
      'step 4',
      'step end',
      '',
    ]);
  });

  it('strips ANSI escapes and progress redraws with --clean, keeps matching lines with --grep and cuts the middle with --max-bytes', async () => {
    const script =
      "printf '\\033[31mred\\033[0m\\n10%%\\r50%%\\r100%%\\nok 1\\nERROR bad\\nok 2\\n'; seq 1 3000";
    const id = await runWaited(home, ['--', script]);
    expect((await tend(home, ['logs', id, '--clean', '--head', '3'])).stdout).toBe('red\n100%\nok 1\n');
    expect((await tend(home, ['logs', id, '--grep', 'error', '-i', '-C', '1'])).stdout).toBe(
      'ok 1\nERROR bad\nok 2\n',
    );
    const grepped = await tendJson<{ data: string; matches: number }>(home, [
      'logs',
      id,
      '--grep',
      '^(ok|ERROR)',
    ]);
    expect(grepped).toMatchObject({ data: 'ok 1\nERROR bad\nok 2\n', matches: 3 });
    const cut = await tend(home, ['logs', id, '--max-bytes', '400']);
    expect(Buffer.byteLength(cut.stdout)).toBeLessThanOrEqual(400 + 60);
    expect(cut.stdout).toMatch(/bytes omitted by tend/);
    expect(cut.stdout.endsWith('2999\n3000\n')).toBe(true);
  });
});

describe('tend wait --until-…', () => {
  it('exits 0 once a line matches --until-output and prints that line; --json prints the wait result', async () => {
    const id = await runTask(['--', "echo booting; sleep 0.5; echo 'server ready on 4321'; sleep 30"]);
    const result = await tend(home, ['wait', id, '--until-output', 'ready on \\d+', '--timeout', '15s']);
    expect(result).toEqual({ code: 0, stdout: 'server ready on 4321\n', stderr: '' });
    const json = await tendJson<{ outcome: string; match: string; task: Task }>(home, [
      'wait',
      id,
      '--until-output',
      'boot',
    ]);
    expect(json).toMatchObject({ outcome: 'output', match: 'booting', task: { id, state: 'running' } });
  });

  it('exits 0 once the task listens on --until-port, which ps and inspect then show, and once --until-http answers', async () => {
    const port = await freePort();
    const id = await runTask(['--name', 'srv', '--', httpServerCommand(port)]);
    expect(await tend(home, ['wait', 'srv', '--until-port', String(port), '--timeout', '15s'])).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(
      (await tend(home, ['wait', 'srv', '--until-http', `http://127.0.0.1:${port}/`, '--timeout', '15s']))
        .code,
    ).toBe(0);

    const table = (await tend(home, ['ps'])).stdout.split('\n');
    expect(table[0]).toMatch(/^ID +NAME +STATE +EXIT +CREATED +DURATION +CPU +MEM +PORTS +COMMAND$/);
    const row = table.find((line) => line.startsWith(id))!;
    expect(row.split(/ {2,}/)).toContain(String(port));
    const [listed] = await tendJson<(Task & { stats?: { ports: { port: number }[]; rssBytes: number } })[]>(
      home,
      ['ps'],
    );
    expect(listed!.stats!.ports.map((p) => p.port)).toContain(port);
    expect(listed!.stats!.rssBytes).toBeGreaterThan(0);
    const inspected = await tendJson<Task & { stats?: { ports: { port: number }[]; cpuPercent: number } }>(
      home,
      ['inspect', id],
    );
    expect(inspected.stats?.ports.map((p) => p.port)).toContain(port);
    expect(inspected.stats?.cpuPercent).toBeGreaterThanOrEqual(0);
  });

  it("exits with the task's own code when it ends before the condition, and says so", async () => {
    const id = await runTask(['--', 'echo nothing to see; sleep 0.3; exit 3']);
    const result = await tend(home, ['wait', id, '--until-output', 'ready', '--timeout', '15s']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`tend: task ${id} ended failed before output matching /ready/\n`);
    const json = await tend(home, ['--json', 'wait', id, '--until-port', '1']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ outcome: 'exited', task: { id, exitCode: 3 } });
  });

  it('exits 128+N when a signal ended the task first', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const waiting = tend(home, ['wait', id, '--until-output', 'never']);
    await otherClientConnected();
    expect((await tend(home, ['kill', id])).code).toBe(0);
    expect((await waiting).code).toBe(137);
  });

  it('exits 124 when --timeout passes first', async () => {
    const id = await runTask(['--', 'sleep 30']);
    const port = await freePort();
    const result = await tend(home, ['wait', id, '--until-port', String(port), '--timeout', '300ms']);
    expect(result.code).toBe(124);
    expect(result.stderr).toBe(
      `tend: timed out waiting for a listener on port ${port} from task ${id} (still running)\n`,
    );
  });

  it('refuses two conditions, a condition with several ids and a bad regular expression, without a daemon', async () => {
    const two = await tend(home, ['wait', 'x', '--until-port', '80', '--until-output', 'y']);
    expect(two).toMatchObject({
      code: 125,
      stderr: 'tend: give only one of --until-output, --until-port and --until-http\n',
    });
    const ids = await tend(home, ['wait', 'x', 'y', '--until-port', '80']);
    expect(ids.code).toBe(125);
    expect(ids.stderr).toMatch(/^tend: --until-… waits for one task/);
    const regex = await tend(home, ['wait', 'x', '--until-output', '(']);
    expect(regex.code).toBe(125);
    expect(regex.stderr).toMatch(/^tend: --until-output: .*regular expression/);
    expect(daemonPid(home)).toBeUndefined();
  });
});

describe('tend inbox', () => {
  it("lists a session's task ends with their last lines once, and not after --ack", async () => {
    const s1 = { TEND_SESSION: 'agent-1' };
    const id = await runWaited(home, ['--', 'echo compiling; echo "2 tests failed"; exit 2'], { env: s1 });
    const other = await runWaited(home, ['--session', 'agent-2', '--', 'echo other']);

    const listed = await tend(home, ['inbox'], { env: s1 });
    expect(listed.code).toBe(0);
    const [table, block] = listed.stdout.split('\n\n');
    const rows = table!.split('\n').map((line) => line.split(/ {2,}/));
    expect(rows[0]).toEqual(['SEQ', 'ID', 'NAME', 'STATE', 'EXIT', 'DURATION', 'ENDED', 'COMMAND']);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.slice(1, 4)).toEqual([id, 'failed', '2']);
    expect(block).toMatch(new RegExp(`^\\d+ ${id} failed, exit 2:\\n {4}compiling\\n {4}2 tests failed\\n$`));
    expect(listed.stdout).not.toContain(other);

    const quiet = await tend(home, ['inbox', '-q', '--ack'], { env: s1 });
    expect(quiet.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(await tend(home, ['inbox'], { env: s1 })).toEqual({ code: 0, stdout: '', stderr: '' });
    const json = await tend(home, ['--json', 'inbox', '--session', 'agent-1'], {});
    expect(JSON.parse(json.stdout)).toMatchObject({ completions: [] });

    const all = await tendJson<{ completions: Completion[]; lastSeq: number }>(home, [
      'inbox',
      '--all',
      '--session',
      'agent-1',
    ]);
    expect(all.completions.map((c) => c.taskId)).toEqual([id]);
    expect(all.completions[0]).toMatchObject({
      state: 'failed',
      exitCode: 2,
      session: 'agent-1',
      tail: expect.stringContaining('2 tests failed'),
    });
    expect(all.lastSeq).toBeGreaterThanOrEqual(2);

    // agent-2's inbox still holds its own end.
    const second = await tendJson<{ completions: Completion[] }>(home, ['inbox', '--session', 'agent-2']);
    expect(second.completions.map((c) => c.taskId)).toEqual([other]);
  });
});

describe('tend ps filters', () => {
  it('lists only the tasks of --session, and of the workspace given with --cwd or --here', async () => {
    const app = join(home, 'app');
    const sub = join(app, 'web');
    mkdirSync(sub, { recursive: true });
    const inApp = await runTask(['--cwd', sub, '--session', 's1', '--', 'sleep 30']);
    const elsewhere = await runTask(['--cwd', home, '--', 'sleep 30']);
    const ids = async (args: string[], cwd?: string) => {
      const result = await tend(home, ['--json', 'ps', ...args], cwd ? { cwd } : {});
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as Task[]).map((t) => t.id).sort();
    };
    expect(await ids([])).toEqual([inApp, elsewhere].sort());
    expect(await ids(['--session', 's1'])).toEqual([inApp]);
    expect(await ids(['--cwd', app])).toEqual([inApp]);
    expect(await ids(['--cwd', 'app'], home)).toEqual([inApp]);
    expect(await ids(['--here'], app)).toEqual([inApp]);
    expect(await ids(['--here'], join(sub))).toEqual([inApp]);
    expect(await ids(['--cwd', join(home, 'ap')])).toEqual([]);
    // TEND_SESSION alone does not filter ps.
    const viaEnv = await tend(home, ['--json', 'ps'], { env: { TEND_SESSION: 's1' } });
    expect((JSON.parse(viaEnv.stdout) as Task[]).length).toBe(2);
  });
});
