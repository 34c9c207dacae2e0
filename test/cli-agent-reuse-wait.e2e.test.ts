import { createServer } from 'node:net';
import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { daemonPid, runWaited, tend, tendJson } from './helpers.js';
import { home, otherClientConnected, runTask, useTendHome } from './cli-setup.js';

// The agent features of the CLI: run --reuse, logs --new (durable cursors), wait --until-…,
// the completion inbox, stats and filters in ps/inspect. Real daemon, real processes.

useTendHome();

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

    // A plain ps asks for the list only; --stats adds the figures.
    const plain = (await tend(home, ['ps'])).stdout.split('\n');
    expect(plain[0]).toMatch(/^ID +NAME +STATE +EXIT +CREATED +DURATION +COMMAND$/);
    expect((await tendJson<(Task & { stats?: unknown })[]>(home, ['ps']))[0]).not.toHaveProperty('stats');
    const table = (await tend(home, ['ps', '--stats'])).stdout.split('\n');
    expect(table[0]).toMatch(/^ID +NAME +STATE +EXIT +CREATED +DURATION +CPU +MEM +PORTS +COMMAND$/);
    const row = table.find((line) => line.startsWith(id))!;
    expect(row.split(/ {2,}/)).toContain(String(port));
    const [listed] = await tendJson<(Task & { stats?: { ports: { port: number }[]; rssBytes: number } })[]>(
      home,
      ['ps', '-s'],
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
