import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompletionStore } from '../store/completion-store.js';
import { CursorStore } from '../store/cursor-store.js';
import { RetentionStore } from '../store/retention-store.js';
import { TaskStore } from '../store/task-store.js';
import { db, row, store, useTaskStore } from '../test-support/task-store.js';
import type { Containment } from '../runtime/cgroup-root.js';
import { TaskSupervisor } from './supervisor.js';

// Limits in a task's life through the supervisor, with a real store and fake cgroup directories:
// refused before the row, recorded in the row, and the OOM killer named at the end.

useTaskStore();
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tend-tll-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function supervisor(containment?: Containment): TaskSupervisor {
  return new TaskSupervisor({
    store: new TaskStore(db),
    tasksDir: join(dir, 'tasks'),
    shell: '/bin/sh',
    logger: pino({ level: 'silent' }),
    graceMs: 1000,
    outputCapBytes: 1 << 20,
    cursors: new CursorStore(db),
    completions: new CompletionStore(db),
    retention: new RetentionStore(db),
    ...(containment ? { containment } : {}),
  });
}

const request = {
  command: 'true',
  cwd: '/',
  env: {},
  inheritEnv: true,
  tty: false,
  notify: true,
  trigger: false,
  reuse: false,
  lifetime: 'persistent' as const,
};

describe('task limits in the supervisor', () => {
  it('refuses limits without cgroup containment before any row exists', async () => {
    const tasks = supervisor({ mode: 'marker', reason: 'the test says so' });
    await expect(tasks.run({ ...request, pidsMax: 100 })).rejects.toMatchObject({
      reason: 'limit_unavailable',
      message: expect.stringContaining('pidsMax (--pids-max) needs cgroup containment'),
    });
    expect(store.list({ limit: 10 })).toEqual([]);
  });

  it('records the limits in the row and writes them into the task cgroup before its wrapper starts', async () => {
    // A fake cgroup root (a plain temp directory): the files are written as the kernel would read them.
    const root = join(dir, 'root');
    mkdirSync(root);
    writeFileSync(join(root, 'cgroup.controllers'), 'memory pids\n');
    writeFileSync(join(root, 'cgroup.subtree_control'), '');
    const tasks = supervisor({ mode: 'cgroup', root, source: 'config' });
    // A task that lives until the test has read its cgroup: an ended task's cgroup is removed.
    const task = await tasks.run({
      ...request,
      command: 'exec sleep 30',
      memoryMaxBytes: 1 << 30,
      pidsMax: 64,
    });
    expect(task).toMatchObject({ memoryMaxBytes: 1 << 30, pidsMax: 64, containment: 'cgroup' });
    expect(store.get(task.id)).toMatchObject({ memoryMaxBytes: 1 << 30, pidsMax: 64 });
    const cgroup = join(root, `task-${task.id}`);
    expect(readFileSync(join(cgroup, 'memory.max'), 'utf8').trim()).toBe(String(1 << 30));
    expect(readFileSync(join(cgroup, 'pids.max'), 'utf8').trim()).toBe('64');
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toMatch(/\+memory/);
    // The fake cgroup cannot kill: end the task's process group (its wrapper leads it) by the recorded pid.
    process.kill(-(task.pid as number), 'SIGKILL');
    await tasks.ender.wait(task.id, 10_000);
  });

  it('ends a task whose command the OOM killer SIGKILLed with a reason that says so', () => {
    const cgroup = join(dir, 'task-oom');
    mkdirSync(cgroup);
    writeFileSync(
      join(cgroup, 'memory.events'),
      'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n',
    );
    const tasks = supervisor();
    const logPath = join(dir, 'output.log');
    store.insert(row({ id: 'oom1', cgroup, containment: 'cgroup', memoryMaxBytes: 2 * 1024 ** 3, logPath }));
    store.insert(row({ id: 'plain', cgroup, containment: 'cgroup', memoryMaxBytes: 2 * 1024 ** 3, logPath }));
    tasks.ender.finish('oom1', { signal: 'SIGKILL', endedAt: 5_000 });
    tasks.ender.finish('plain', { exitCode: 1, endedAt: 5_000 });
    // failed, not killed: tend did not send that SIGKILL (docs/protocol.md, "States").
    expect(store.get('oom1')).toMatchObject({
      state: 'failed',
      signal: 'SIGKILL',
      reason: 'killed by the OOM killer: memory.max (2 GiB) reached',
    });
    expect(store.get('plain')?.reason).toBeUndefined();
  });
});
