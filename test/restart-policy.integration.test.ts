import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';
import { client, harness, restart, useDaemon, withStore } from './daemon-setup.js';
import type { WireJson } from './support/wire-json.js';

/**
 * A command that counts its runs in `count` (in the test's TEND_HOME), prints `run N` and fails (status 3)
 * until its run `succeedAt`.
 */
function countingCommand(succeedAt: number): string {
  return `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "run $n"; [ $n -ge ${succeedAt} ] || exit 3`;
}

/** Polls task `id` until `ok` holds for it (deadline: pollUntil's), and returns it. */
function untilTask(id: string, what: string, ok: (task: WireJson) => boolean): Promise<WireJson> {
  return pollUntil(what, async () => {
    const task = await client.request('task/get', { id });
    harness.ownTask(task);
    return ok(task) ? task : undefined;
  });
}

/** States task `id` went through, as task/didChange told this client. */
function statesOf(id: string): string[] {
  return client.notifications
    .filter((n) => n.method === 'task/didChange' && n.params.task.id === id)
    .map((n) => n.params.task.state);
}

describe.each([{ cgroup: false }, { cgroup: true }])(
  'restart policies (cgroup root: $cgroup)',
  ({ cgroup }) => {
    useDaemon({ cgroup });

    it('on-failure restarts a command that fails twice, and task/wait returns once it succeeds', async () => {
      const task = await client.request('task/run', {
        command: countingCommand(3),
        cwd: harness.home,
        restart: { policy: 'on-failure', backoffMs: 20 },
      });
      expect(task).toMatchObject({
        restarts: 0,
        restart: {
          policy: 'on-failure',
          maxRestarts: 5,
          windowMs: 60_000,
          backoffMs: 20,
          backoffMaxMs: 30_000,
        },
      });
      const { outcome, task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
      expect(outcome).toBe('exited');
      expect(ended).toMatchObject({ id: task.id, state: 'succeeded', exitCode: 0, restarts: 2 });
      expect(ended.reason).toBeUndefined();
      expect((await client.request('task/output', { id: task.id })).data).toBe('run 1\nrun 2\nrun 3\n');
      expect(statesOf(task.id).filter((s) => s === 'restarting')).toHaveLength(2);
      // One completion and one task/didExit: runs that were restarted are not ends.
      await pollUntil('task/didExit', () => client.notifications.some((n) => n.method === 'task/didExit'));
      expect(client.notifications.filter((n) => n.method === 'task/didExit')).toHaveLength(1);
      const inbox = await client.request('task/completions', {});
      expect(inbox.completions.filter((c: WireJson) => c.taskId === task.id)).toHaveLength(1);
    });

    it('stops a crash loop after maxRestarts within the window: failed, with the reason', async () => {
      const task = await client.request('task/run', {
        command: 'echo crash; exit 7',
        cwd: harness.home,
        restart: { policy: 'on-failure', maxRestarts: 3, backoffMs: 10 },
      });
      const { task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
      expect(ended).toMatchObject({ state: 'failed', exitCode: 7, restarts: 3 });
      expect(ended.reason).toMatch(/^restart limit reached: 3 restarts in 1m/);
      expect((await client.request('task/output', { id: task.id })).data).toBe('crash\n'.repeat(4));
    });

    it('always restarts a run that succeeded; on-failure does not', async () => {
      const always = await client.request('task/run', {
        command: 'echo ok',
        cwd: harness.home,
        restart: { policy: 'always', maxRestarts: 2, backoffMs: 10 },
      });
      const onFailure = await client.request('task/run', {
        command: 'echo once',
        cwd: harness.home,
        restart: { policy: 'on-failure', backoffMs: 10 },
      });
      const { task: ended } = await client.request('task/wait', { id: always.id, timeoutMs: 15_000 });
      expect(ended).toMatchObject({ state: 'failed', restarts: 2, exitCode: 0 });
      expect(ended.reason).toMatch(/^restart limit reached: 2 restarts/);
      expect((await client.request('task/output', { id: always.id })).data).toBe('ok\nok\nok\n');
      const { task: once } = await client.request('task/wait', { id: onFailure.id, timeoutMs: 15_000 });
      expect(once).toMatchObject({ state: 'succeeded', restarts: 0 });
    });

    it('a stop of a restarting task ends it killed at once, and no restart follows', async () => {
      const task = await client.request('task/run', {
        command: 'echo up; exit 1',
        cwd: harness.home,
        restart: { policy: 'always', backoffMs: 60_000, backoffMaxMs: 60_000 },
      });
      const restarting = await untilTask(
        task.id,
        'the task to be restarting',
        (t) => t.state === 'restarting',
      );
      expect(restarting).toMatchObject({ restarts: 0, exitCode: 1, reason: 'run 1 exited with status 1' });
      expect(restarting.pid).toBeUndefined();
      expect(Date.parse(restarting.restartAt)).toBeGreaterThan(Date.now() + 30_000);
      const waiting = client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
      const killed = await client.request('task/kill', { id: task.id });
      expect(killed).toMatchObject({ state: 'killed', restarts: 0 });
      expect(killed.restartAt).toBeUndefined();
      expect((await waiting).task).toMatchObject({ state: 'killed' });
      expect(await client.request('task/get', { id: task.id })).toMatchObject({
        state: 'killed',
        restarts: 0,
      });
      expect(statesOf(task.id).filter((s) => s === 'running')).toHaveLength(1);
    });

    it('a user stop of a running task with a policy ends it killed, without a restart', async () => {
      const task = await client.request('task/run', {
        command: 'sleep 60',
        cwd: harness.home,
        restart: { policy: 'always', backoffMs: 10 },
      });
      const killed = await client.request('task/kill', { id: task.id });
      expect(killed).toMatchObject({ state: 'killed', restarts: 0 });
    });

    it('keeps the policy through a daemon kill -9 in the backoff: the new daemon restarts the task', async () => {
      const task = await client.request('task/run', {
        command: countingCommand(2),
        cwd: harness.home,
        restart: { policy: 'on-failure', backoffMs: 5_000 },
      });
      await untilTask(task.id, 'the task to be restarting', (t) => t.state === 'restarting');
      await harness.kill9();
      // The kill landed in the backoff: the row says restarting, with the time of the next run.
      const row = withStore((store) => store.get(task.id));
      expect(row).toMatchObject({ state: 'restarting', restarts: 0, restart: { policy: 'on-failure' } });
      expect(row?.restartAt).toBeGreaterThan(Date.now());
      expect(row?.restartTimes).toHaveLength(1);
      await restart();
      const { task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 20_000 });
      expect(ended).toMatchObject({ state: 'succeeded', restarts: 1, restart: { policy: 'on-failure' } });
      expect((await client.request('task/output', { id: task.id })).data).toBe('run 1\nrun 2\n');
    });

    it('task/restart runs a running task again: same id, restarts + 1, new pid, output appended', async () => {
      const task = await client.request('task/run', { command: 'echo hi; exec sleep 60', cwd: harness.home });
      // pollUntil takes "" as an answer: wait for the first run's line itself.
      await pollUntil(
        'the first output',
        async () => (await client.request('task/output', { id: task.id })).data === 'hi\n',
      );
      const again = await client.request('task/restart', { task: task.id, graceMs: 5_000 });
      harness.ownTask(again);
      expect(again).toMatchObject({ id: task.id, state: 'running', restarts: 1 });
      expect(again.pid).not.toBe(task.pid);
      expect(isAlive(task.pid)).toBe(false);
      let output = '';
      await pollUntil('the second run to print', async () => {
        output = (await client.request('task/output', { id: task.id })).data;
        return output.length >= 6;
      });
      expect(output).toBe('hi\nhi\n');
      const killed = await client.request('task/kill', { id: task.id });
      expect(killed).toMatchObject({ state: 'killed', restarts: 1 });
    });

    it('task/restart runs an ended task again with its command, cwd and environment', async () => {
      const task = await client.request('task/run', {
        command: 'echo "$GREETING from $PWD"',
        cwd: harness.home,
        env: { GREETING: 'hello' },
        name: 'greeter',
      });
      const first = (await client.request('task/wait', { id: task.id, timeoutMs: 15_000 })).task;
      expect(first).toMatchObject({ state: 'succeeded', restarts: 0 });
      const again = await client.request('task/restart', { task: 'greeter' });
      harness.ownTask(again);
      expect(again).toMatchObject({ id: task.id, restarts: 1 });
      const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 15_000 })).task;
      expect(ended).toMatchObject({ id: task.id, state: 'succeeded', restarts: 1, exitCode: 0 });
      expect(Date.parse(ended.startedAt)).toBeGreaterThanOrEqual(Date.parse(first.endedAt));
      const line = `hello from ${harness.home}\n`;
      expect((await client.request('task/output', { id: task.id })).data).toBe(line + line);
      const inbox = await client.request('task/completions', {});
      expect(inbox.completions.filter((c: WireJson) => c.taskId === task.id)).toHaveLength(2);
    });

    it('task/restart of an ended task whose name a live task took is refused with name_in_use', async () => {
      const old = await client.request('task/run', { command: 'true', cwd: harness.home, name: 'web' });
      await client.request('task/wait', { id: old.id, timeoutMs: 15_000 });
      const live = await client.request('task/run', { command: 'sleep 60', cwd: harness.home, name: 'web' });
      const error = await client.request('task/restart', { task: old.id }).then(
        () => undefined,
        (e: { data: WireJson; message: string }) => e,
      );
      expect(error?.data.reason).toBe('name_in_use');
      expect(error?.message).toContain(live.id);
      expect(await client.request('task/get', { id: old.id })).toMatchObject({
        state: 'succeeded',
        restarts: 0,
      });
      await client.request('task/kill', { id: live.id });
    });

    it('a new daemon that finds a restart written but not spawned puts the task back to restarting', async () => {
      const task = await client.request('task/run', { command: countingCommand(1), cwd: harness.home });
      await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
      await harness.kill9();
      // As a daemon killed right after writing the next run's row leaves it: the ended run's exit record and
      // FIFO deleted, the row starting with restarts + 1 and no pid.
      const exitPath = join(harness.home, 'state', 'tasks', task.id, 'exit');
      for (const path of [exitPath, `${exitPath}.alive`]) rmSync(path, { force: true });
      withStore((store) =>
        store.update(task.id, {
          state: 'starting',
          restarts: 1,
          restart: {
            policy: 'on-failure',
            maxRestarts: 5,
            windowMs: 60_000,
            backoffMs: 10,
            backoffMaxMs: 10,
          },
          pid: undefined,
          pgid: undefined,
          startTicks: undefined,
          exitCode: undefined,
          endedAt: undefined,
        }),
      );
      await restart();
      const { task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
      expect(ended).toMatchObject({ state: 'succeeded', restarts: 2 });
      expect(readFileSync(join(harness.home, 'count'), 'utf8').trim()).toBe('2');
    });
  },
);
