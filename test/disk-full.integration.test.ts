import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../packages/daemon/dist/store/db.js';
import { TaskStore } from '../packages/daemon/dist/store/task-store.js';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

// A 4 MiB tmpfs mounted as TEND_HOME (root only: this machine runs tests as root) and filled up.
let harness: DaemonHarness;
let mounted = false;
const triggers = mkdtempSync('/tmp/tend-dft-');

beforeAll(() => {
  harness = new DaemonHarness();
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', harness.home]);
  mounted = true;
});

afterAll(async () => {
  try {
    // Kills the daemons and task groups it recorded; removing the mount point itself then fails.
    await harness.cleanup().catch(() => undefined);
  } finally {
    if (mounted) {
      try {
        execFileSync('umount', [harness.home]);
      } catch {
        execFileSync('umount', ['-l', harness.home]);
      }
    }
    rmSync(harness.home, { recursive: true, force: true });
    rmSync(triggers, { recursive: true, force: true });
  }
});

/** Writes zeros to `path` until the filesystem refuses (ENOSPC); returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          const n = writeSync(fd, chunk);
          written += n;
          if (n < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

/** A command that waits for the file `name` in the trigger directory, then exits with `code`. */
const waitThenExit = (name: string, code: number): string =>
  `while [ ! -e ${join(triggers, name)} ]; do sleep 0.05; done; exit ${code}`;

it('keeps serving on a full disk: true exit codes for tasks that end meanwhile, disk_full for new ones, all resumed once space returns', async () => {
  await harness.start();
  let client: RawClient = await harness.connect();
  const a = await client.request('task/run', { command: waitThenExit('go', 3), cwd: triggers });
  const b = await client.request('task/run', { command: waitThenExit('go', 9), cwd: triggers });
  // A and B become adopted tasks (no exit event: only their exit records tell how they ended).
  await harness.kill9();
  const daemonPid = await harness.start();
  client = await harness.connect();
  const c = await client.request('task/run', { command: waitThenExit('go', 5), cwd: triggers });
  expect((await client.request('task/get', { id: a.id })).state).toBe('running');

  const filler = join(harness.home, 'fill');
  expect(fill(filler)).toBeGreaterThan(0);
  writeFileSync(join(triggers, 'go'), '');
  await pollUntil('the three tasks to end', () => [a, b, c].every((task) => !isAlive(task.pid)));
  // The wrappers wrote their exit records into the room reserved when the tasks started.
  for (const [task, status] of [
    [a, 3],
    [b, 9],
    [c, 5],
  ] as const) {
    const record = JSON.parse(readFileSync(join(harness.home, 'state', 'tasks', task.id, 'exit'), 'utf8'));
    expect(record).toMatchObject({ status });
  }

  // Reads keep working while the disk is full.
  expect((await client.request('task/list', {})).tasks.map((task: { id: string }) => task.id).sort()).toEqual(
    [a.id, b.id, c.id].sort(),
  );
  expect((await client.request('task/get', { id: c.id })).id).toBe(c.id);
  expect((await client.request('task/output', { id: a.id })).data).toBe('');
  expect((await client.request('daemon/status')).pid).toBe(daemonPid);
  // A new task is refused, naming where space is missing.
  const refused = await client.request('task/run', { command: 'true', cwd: triggers }).then(
    () => undefined,
    (error: { code: number; data: { reason: string; path: string }; message: string }) => error,
  );
  expect(refused).toMatchObject({ code: 4002, data: { reason: 'disk_full' } });
  expect(refused?.data.path.startsWith(harness.home)).toBe(true);
  expect(refused?.message).toContain('no space left');

  // Space returns: every end is recorded with its true status, by the same daemon.
  rmSync(filler);
  const ends = await Promise.all(
    [a, b, c].map((task) => client.request('task/wait', { id: task.id, timeoutMs: 15_000 })),
  );
  expect(ends.map((end) => [end.outcome, end.task.state, end.task.exitCode])).toEqual([
    ['exited', 'failed', 3],
    ['exited', 'failed', 9],
    ['exited', 'failed', 5],
  ]);
  const fresh = await client.request('task/run', { command: 'exit 0', cwd: triggers });
  expect((await client.request('task/wait', { id: fresh.id, timeoutMs: 10_000 })).task.state).toBe(
    'succeeded',
  );
  expect((await client.request('daemon/status')).pid).toBe(daemonPid);
  expect(isAlive(daemonPid)).toBe(true);
});

it('starts a new daemon on a full disk, which serves reads and records the ends of tasks that ended meanwhile once space returns', async () => {
  let client: RawClient = await harness.connect();
  const d = await client.request('task/run', { command: waitThenExit('go2', 7), cwd: triggers });
  // E's deadline passes while no daemon runs: the next one must record its stop on the full disk.
  // Its deadline is far off while the daemon runs, and written into its row as passed once the daemon is
  // down (before the disk fills): a slow machine cannot let the running daemon enforce it first.
  const e = await client.request('task/run', { command: 'sleep 30', cwd: triggers, timeoutMs: 300_000 });
  await harness.kill9();
  // The connection stays open until the new daemon serves: closing the last one would checkpoint and
  // delete the WAL, which the new daemon could then not create again on the full disk.
  const db = openDatabase(join(harness.home, 'state', 'tend.db'));
  new TaskStore(db).update(e.id, { timeoutMs: 1_000, deadlineAt: Date.now() - 1 });
  const filler = join(harness.home, 'fill');
  fill(filler);
  // The task ends while no daemon runs: only its exit record, written into its reserved room, tells how.
  writeFileSync(join(triggers, 'go2'), '');
  await pollUntil('task D to end', () => !isAlive(d.pid));
  void harness.runAnother();
  client = await pollUntil('the new daemon to serve on the full disk', () =>
    harness.connect().catch(() => undefined),
  ).finally(() => db.close());
  expect((await client.request('task/list', {})).tasks.length).toBe(6);
  const refused = await client.request('task/run', { command: 'true', cwd: triggers }).then(
    () => undefined,
    (error: { data: { reason: string } }) => error,
  );
  expect(refused?.data.reason).toBe('disk_full');
  rmSync(filler);
  const end = await client.request('task/wait', { id: d.id, timeoutMs: 15_000 });
  expect([end.outcome, end.task.state, end.task.exitCode]).toEqual(['exited', 'failed', 7]);
  const stopped = await client.request('task/wait', { id: e.id, timeoutMs: 15_000 });
  expect([stopped.outcome, stopped.task.state]).toEqual(['exited', 'timed_out']);
});
