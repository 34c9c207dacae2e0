import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import type { WireJson } from './support/wire-json.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

let harness: DaemonHarness;

beforeEach(() => {
  harness = new DaemonHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

/** Writes config.json into the harness's TEND_HOME, then starts the daemon and connects. */
async function startWith(config: Record<string, unknown>): Promise<RawClient> {
  mkdirSync(join(harness.home, 'config'), { recursive: true });
  writeFileSync(join(harness.home, 'config', 'config.json'), JSON.stringify(config));
  await harness.start();
  return harness.connect();
}

async function runAndWait(client: RawClient, command: string): Promise<WireJson> {
  const task = await client.request('task/run', { command, cwd: harness.home });
  const { outcome, task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
  expect(outcome).toBe('exited');
  return ended;
}

const tasksDir = () => join(harness.home, 'state', 'tasks');
const ids = (tasks: { id: string }[]) => tasks.map((t) => t.id).sort();

/** Rows that still mention `id` in each table, read from the daemon's database (read-only, WAL). */
function traces(id: string): Record<string, number> {
  const db = new Database(join(harness.home, 'state', 'tend.db'), { readonly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get(id) as { n: number }).n;
    return {
      tasks: count('SELECT COUNT(*) AS n FROM tasks WHERE id = ?'),
      completions: count('SELECT COUNT(*) AS n FROM completions WHERE task_id = ?'),
      cursors: count('SELECT COUNT(*) AS n FROM read_cursors WHERE task_id = ?'),
    };
  } finally {
    db.close();
  }
}

describe('retention of ended tasks', () => {
  it('keeps only the newest keepEndedTasks ended tasks, removing the older ones with their folders and completions, and never a live task', async () => {
    const client = await startWith({ keepEndedTasks: 2 });
    const live = await client.request('task/run', { command: 'sleep 300', cwd: harness.home });
    const ended = [];
    for (let i = 1; i <= 4; i++) ended.push(await runAndWait(client, `echo TOKEN=secret${i}`));
    const [first, second, third, fourth] = ended;

    const remaining = await pollUntil('the two oldest ended tasks to be removed', async () => {
      const tasks = await client.request('task/list', {});
      return tasks.tasks.length === 3 ? tasks.tasks : undefined;
    });
    expect(ids(remaining)).toEqual([live.id, third.id, fourth.id].sort());
    expect(readdirSync(tasksDir()).sort()).toEqual([live.id, third.id, fourth.id].sort());
    const inbox = await client.request('task/completions', { after: 0 });
    expect(inbox.completions.map((c: { taskId: string }) => c.taskId)).toEqual([third.id, fourth.id]);
    expect(JSON.stringify(inbox)).not.toContain('secret1');
    for (const gone of [first, second])
      expect(traces(gone.id)).toEqual({ tasks: 0, completions: 0, cursors: 0 });

    const stillLive = await client.request('task/get', { id: live.id });
    expect(stillLive.state).toBe('running');
    expect(isAlive(stillLive.pid)).toBe(true);
  });

  it('removes ended tasks older than keepEndedDays at the periodic sweep, and leaves live tasks running', async () => {
    // 1 s, applied every 100 ms.
    const client = await startWith({ keepEndedDays: 1 / 86_400, retentionSweepMs: 100 });
    const live = await client.request('task/run', { command: 'sleep 300', cwd: harness.home });
    const old = await runAndWait(client, 'echo old');
    expect(existsSync(join(tasksDir(), old.id))).toBe(true);

    await pollUntil('the ended task to age out', async () => {
      const tasks = await client.request('task/list', {});
      return tasks.tasks.some((t: { id: string }) => t.id === old.id) ? undefined : true;
    });
    expect(existsSync(join(tasksDir(), old.id))).toBe(false);
    expect(traces(old.id)).toEqual({ tasks: 0, completions: 0, cursors: 0 });
    const stillLive = await client.request('task/get', { id: live.id });
    expect(stillLive.state).toBe('running');
    expect(isAlive(stillLive.pid)).toBe(true);
    expect(existsSync(join(tasksDir(), live.id, 'output.log'))).toBe(true);
  });

  it('applies the limits at start-up to tasks a previous daemon kept', async () => {
    let client = await startWith({});
    const kept = [];
    for (let i = 0; i < 3; i++) kept.push(await runAndWait(client, `echo ${i}`));
    await client.request('daemon/shutdown', {});
    await pollUntil('the daemon to exit', () => !isAlive(harness.child?.pid as number));

    writeFileSync(join(harness.home, 'config', 'config.json'), JSON.stringify({ keepEndedTasks: 1 }));
    await harness.start();
    client = await harness.connect();
    const tasks = await client.request('task/list', {});
    expect(ids(tasks.tasks)).toEqual([kept[2].id]);
    expect(readdirSync(tasksDir())).toEqual([kept[2].id]);
  });
});

describe('task/prune', () => {
  it('removes the ended tasks matching its filters (dry runs remove nothing), with every trace, and never a live task', async () => {
    const client = await startWith({});
    const live = await client.request('task/run', { command: 'sleep 300', cwd: harness.home });
    const ok = await runAndWait(client, 'echo fine');
    const bad = await runAndWait(client, 'echo TOKEN=oops; exit 3');
    await client.request('task/output', { id: bad.id, since: 'last', reader: 'me' });
    expect(traces(bad.id)).toEqual({ tasks: 1, completions: 1, cursors: 1 });

    const dry = await client.request('task/prune', { state: ['failed'], dryRun: true });
    expect(dry).toMatchObject({ removed: [bad.id], count: 1, dryRun: true });
    expect(dry.bytesFreed).toBeGreaterThan(0);
    expect(existsSync(join(tasksDir(), bad.id))).toBe(true);

    const recent = await client.request('task/prune', { olderThanMs: 3_600_000 });
    expect(recent).toEqual({ removed: [], count: 0, bytesFreed: 0, dryRun: false });

    const failed = await client.request('task/prune', { state: ['failed'] });
    expect(failed).toEqual({ removed: [bad.id], count: 1, bytesFreed: dry.bytesFreed, dryRun: false });
    expect(traces(bad.id)).toEqual({ tasks: 0, completions: 0, cursors: 0 });
    expect(existsSync(join(tasksDir(), bad.id))).toBe(false);
    const removedNote = await pollUntil('the removal notification', () =>
      client.notifications.find(
        (n) => n.method === 'task/didChange' && n.params.removed && n.params.task.id === bad.id,
      ),
    );
    expect(removedNote.params.task.state).toBe('failed');

    const rest = await client.request('task/prune', {});
    expect(rest.removed).toEqual([ok.id]);
    const tasks = await client.request('task/list', {});
    expect(ids(tasks.tasks)).toEqual([live.id]);
    expect(readdirSync(tasksDir())).toEqual([live.id]);
    expect((await client.request('task/get', { id: live.id })).state).toBe('running');
  });

  it('refuses a live state filter with invalid_params', async () => {
    const client = await startWith({});
    await expect(client.request('task/prune', { state: ['running'] })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it('deletes only the link, never its target, when a task folder was replaced by a symlink', async () => {
    const client = await startWith({});
    const task = await runAndWait(client, 'echo x');
    const outside = join(harness.home, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'keep me');
    const folder = join(tasksDir(), task.id);
    // Swap the folder for a link pointing out of the tasks directory.
    rmSync(folder, { recursive: true });
    symlinkSync(outside, folder);

    const result = await client.request('task/prune', {});
    expect(result.removed).toEqual([task.id]);
    expect(existsSync(folder)).toBe(false);
    expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('keep me');
  });
});

describe('task/remove', () => {
  it('leaves no trace of the task: no row, no completion (its last lines included), no cursor, no folder', async () => {
    const client = await startWith({});
    const task = await runAndWait(client, 'echo TOKEN=hunter2');
    await client.request('task/output', { id: task.id, since: 'last', reader: 'me' });
    expect(JSON.stringify(await client.request('task/completions', { after: 0 }))).toContain('TOKEN=hunter2');

    await client.request('task/remove', { id: task.id });
    expect(JSON.stringify(await client.request('task/completions', { after: 0 }))).not.toContain('hunter2');
    expect(traces(task.id)).toEqual({ tasks: 0, completions: 0, cursors: 0 });
    expect(existsSync(join(tasksDir(), task.id))).toBe(false);
  });
});

describe('the daemon log', () => {
  it('rotates daemon.log at logMaxBytes, keeping logFiles rotated files of JSON lines', async () => {
    harness.env.TEND_LOG_LEVEL = 'debug';
    const client = await startWith({ logMaxBytes: 4096, logFiles: 2 });
    const stateDir = join(harness.home, 'state');
    // Each connection writes three debug lines (connected, initialized, disconnected).
    await pollUntil(
      'daemon.log to rotate twice',
      async () => {
        const extra = await harness.connect('filler');
        extra.close();
        return existsSync(join(stateDir, 'daemon.log.2')) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1 },
    );
    for (let i = 0; i < 40; i++) (await harness.connect('filler')).close();
    await client.request('daemon/status', {});
    // A rotation may be under way while we look (`.1` renamed to `.2`, `daemon.log` not yet to `.1`), so
    // wait for the three files; at every look no fourth file may exist (logFiles: 2 keeps two rotated files).
    const logs = await pollUntil('daemon.log, .1 and .2 at one look', () => {
      const names = readdirSync(stateDir)
        .filter((name) => name.startsWith('daemon.log'))
        .sort();
      expect(names.filter((name) => !['daemon.log', 'daemon.log.1', 'daemon.log.2'].includes(name))).toEqual(
        [],
      );
      return names.length === 3 ? names : undefined;
    });
    expect(logs).toEqual(['daemon.log', 'daemon.log.1', 'daemon.log.2']);
    // The fillers' "disconnected" lines may still be on their way and rotate once more: rotation renames
    // `.1` to `.2` before `daemon.log` to `.1`, so read both files only when both are there.
    const rotated = await pollUntil('both rotated files to be readable', () => {
      try {
        return ['daemon.log.1', 'daemon.log.2'].map((name) => {
          const path = join(stateDir, name);
          const text = readFileSync(path, 'utf8');
          return { size: Buffer.byteLength(text), mode: statSync(path).mode, text };
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    });
    for (const { size, mode, text } of rotated) {
      expect(size).toBeGreaterThanOrEqual(4096);
      // Rotated once past the limit: at most one line over it.
      const lines = text.trimEnd().split('\n');
      expect(size - Buffer.byteLength(`${lines.at(-1)}\n`)).toBeLessThan(4096);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(mode & 0o777).toBe(0o600);
    }
  });

  it('logs routine client connections only at debug level', async () => {
    const client = await startWith({});
    for (let i = 0; i < 3; i++) (await harness.connect('routine')).close();
    await runAndWait(client, 'true');
    const logPath = join(harness.home, 'state', 'daemon.log');
    const lines = await pollUntil('the task end in the log', () => {
      const parsed = readFileSync(logPath, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      return parsed.some((l) => l.msg === 'task ended') ? parsed : undefined;
    });
    expect(lines.filter((l: { msg: string }) => /client/.test(l.msg))).toEqual([]);
  });
});
