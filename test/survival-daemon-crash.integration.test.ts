import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../packages/daemon/dist/store/task-store.js';
import { wrapperArgv } from '../packages/daemon/dist/tasks/wrapper.js';
import { pollUntil, untilFileExists } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';
import { client, harness, restart, seqBytes, useDaemon, withStore } from './daemon-setup.js';

// Every test runs twice: with the default containment (auto: marker on a machine where the test
// cannot give the daemon a cgroup) and with a test cgroup root (containment cgroup).
describe.each([{ cgroup: false }, { cgroup: true }])(
  'survival of a daemon crash (cgroup root: $cgroup)',
  ({ cgroup }) => {
    useDaemon({ cgroup });

    describe('tasks outlive the daemon', () => {
      it('keeps 20 mixed tasks through a daemon SIGKILL and reports every real end and every output byte', async () => {
        const run = (command: string) => client.request('task/run', { command, cwd: harness.home });
        // Files the test creates once the daemon is down and once it is back: the tasks wait for them.
        const down = join(harness.home, 'daemon-down');
        const up = join(harness.home, 'daemon-up');
        const untilDown = untilFileExists(down, harness.home);
        const untilUp = untilFileExists(up, harness.home);
        const endedBefore = await Promise.all([run('exit 0'), run('exit 1'), run('exit 42')]);
        for (const task of endedBefore) await client.request('task/wait', { id: task.id });
        const endWhileDown = await Promise.all([
          run(`${untilDown}; exit 0`),
          run(`${untilDown}; exit 1`),
          run(`${untilDown}; exit 42`),
        ]);
        const termedWhileDown = await Promise.all([run('sleep 60'), run('sleep 60')]);
        const commandKilledWhileDown = await run('echo $$; exec sleep 60');
        const groupKilledWhileDown = await run('sleep 60');
        const sleepers = await Promise.all(Array.from({ length: 8 }, () => run('sleep 60')));
        // 40 × `seq 1 2000`: 20 before the crash, 10 while the daemon is down, 10 after the restart.
        const printer = await run(
          `for i in $(seq 1 20); do seq 1 2000; done; ${untilDown}; for i in $(seq 1 10); do seq 1 2000; done; ` +
            `${untilUp}; for i in $(seq 1 10); do seq 1 2000; done`,
        );
        const endAfterRestart = await run(`${untilUp}; exit 7`);
        const all = [
          ...endedBefore,
          ...endWhileDown,
          ...termedWhileDown,
          commandKilledWhileDown,
          groupKilledWhileDown,
          ...sleepers,
          printer,
          endAfterRestart,
        ];
        expect(all).toHaveLength(20);
        const commandPid = Number(
          await pollUntil('the command pid', async () =>
            (await client.request('task/output', { id: commandKilledWhileDown.id })).data.trim(),
          ),
        );

        await harness.kill9();
        writeFileSync(down, '');
        for (const task of termedWhileDown) process.kill(-task.pgid, 'SIGTERM');
        process.kill(commandPid, 'SIGKILL');
        process.kill(-groupKilledWhileDown.pgid, 'SIGKILL');
        await pollUntil('tasks to end while the daemon is down', () =>
          [...endWhileDown, ...termedWhileDown, commandKilledWhileDown, groupKilledWhileDown].every(
            (t) => !isAlive(t.pid),
          ),
        );
        expect(sleepers.every((t) => isAlive(t.pid))).toBe(true);
        expect(isAlive(endAfterRestart.pid)).toBe(true);
        await restart();
        writeFileSync(up, '');

        const get = (id: string) => client.request('task/get', { id });
        expect(await Promise.all(endedBefore.map((t) => get(t.id)))).toMatchObject([
          { state: 'succeeded', exitCode: 0 },
          { state: 'failed', exitCode: 1 },
          { state: 'failed', exitCode: 42 },
        ]);
        expect(await Promise.all(endWhileDown.map((t) => get(t.id)))).toMatchObject([
          { state: 'succeeded', exitCode: 0 },
          { state: 'failed', exitCode: 1 },
          { state: 'failed', exitCode: 42 },
        ]);
        for (const task of termedWhileDown)
          expect(await get(task.id)).toMatchObject({ state: 'killed', signal: 'SIGTERM' });
        expect(await get(commandKilledWhileDown.id)).toMatchObject({ state: 'killed', signal: 'SIGKILL' });
        const groupKilled = await get(groupKilledWhileDown.id);
        expect(groupKilled).toMatchObject({
          state: 'lost',
          reason: 'its wrapper ended without an exit record',
        });
        expect(groupKilled.exitCode).toBeUndefined();
        for (const task of sleepers) expect((await get(task.id)).state).toBe('running');

        const printed = (await client.request('task/wait', { id: printer.id, timeoutMs: 20_000 })).task;
        expect(printed).toMatchObject({ state: 'succeeded', exitCode: 0, outputBytes: 40 * seqBytes(2000) });
        let text = '';
        for (let offset = 0; offset < printed.outputBytes; ) {
          const chunk = await client.request('task/output', { id: printer.id, offset, limit: 1024 * 1024 });
          text += chunk.data;
          offset = chunk.nextOffset;
        }
        const expected = Array.from({ length: 2000 }, (_, i) => `${i + 1}\n`)
          .join('')
          .repeat(40);
        expect(text === expected).toBe(true);
        expect(
          (await client.request('task/wait', { id: endAfterRestart.id, timeoutMs: 10_000 })).task,
        ).toMatchObject({
          state: 'failed',
          exitCode: 7,
        });
        for (const task of sleepers) await client.request('task/kill', { id: task.id, signal: 'SIGKILL' });
      });

      it('ends a task timed_out when its deadline passed while the daemon was down', async () => {
        const task = await client.request('task/run', {
          command: 'sleep 60',
          cwd: harness.home,
          timeoutMs: 600_000,
        });
        await harness.kill9();
        // While the daemon is down, the row's 1000 ms deadline passes: written into the row rather than
        // waited for, so that a slow machine cannot let the running daemon enforce it first.
        withStore((store) => store.update(task.id, { timeoutMs: 1_000, deadlineAt: Date.now() - 1 }));
        expect(isAlive(task.pid)).toBe(true);
        await restart();
        const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task;
        expect(ended).toMatchObject({
          state: 'timed_out',
          reason: 'timed out after 1000 ms',
          signal: 'SIGTERM',
        });
        expect(isAlive(task.pid)).toBe(false);
      });

      it('finishes a kill that a daemon crash interrupted, and reports killed', async () => {
        const task = await client.request('task/run', {
          command: "trap '' TERM; echo ready; while :; do sleep 0.05; done",
          cwd: harness.home,
        });
        await pollUntil('ready', async () =>
          (await client.request('task/output', { id: task.id })).data.includes('ready'),
        );
        expect(
          (await client.request('task/kill', { id: task.id, graceMs: 300_000, wait: false })).state,
        ).toBe('stopping');
        await harness.kill9();
        // The grace period ends while the daemon is down (written into the row, not waited for).
        withStore((store) => store.update(task.id, { killAt: Date.now() - 1 }));
        expect(isAlive(task.pid)).toBe(true);
        await restart();
        const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task;
        expect(ended).toMatchObject({
          state: 'killed',
          signal: 'SIGKILL',
          reason: 'killed by user (SIGTERM)',
        });
      });

      it('adopts a task whose pid the daemon died before recording, found by its wrapper', async () => {
        const probe = await client.request('task/run', { command: 'true', cwd: harness.home });
        await client.request('task/wait', { id: probe.id });
        await harness.kill9();
        const id = 'zzorphan';
        const dir = join(harness.home, 'state', 'tasks', id);
        const go = join(harness.home, 'go');
        const row: TaskRow = {
          id,
          command: `while [ ! -e ${go} ]; do sleep 0.05; done; exit 9`,
          cwd: harness.home,
          env: {},
          inheritEnv: true,
          state: 'starting',
          createdAt: Date.now(),
          logPath: join(dir, 'output.log'),
          outputBytes: 0,
          droppedBytes: 0,
        };
        withStore((store) => store.insert(row));
        const { mkdirSync } = await import('node:fs');
        mkdirSync(dir, { recursive: true });
        const wrapper = spawn('/bin/sh', wrapperArgv(join(dir, 'exit'), '/bin/sh', row.command), {
          detached: true,
          stdio: 'ignore',
        });
        harness.own(wrapper.pid as number, { group: true });
        await restart();
        const adopted = await client.request('task/get', { id });
        expect(adopted).toMatchObject({ state: 'running', pid: wrapper.pid });
        writeFileSync(go, '');
        expect((await client.request('task/wait', { id, timeoutMs: 10_000 })).task).toMatchObject({
          state: 'failed',
          exitCode: 9,
        });
      });
    });
  },
);
