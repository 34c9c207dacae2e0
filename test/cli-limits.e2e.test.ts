import type { Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { home, useTendHome } from './cli-setup.js';
import { daemonPid, tend, tendJson } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { processesWith } from './support/processes.mjs';

// `tend run --memory-max / --pids-max` against a real daemon.
//
// The caps need a daemon with cgroup containment whose cgroup root has the memory and pids
// controllers. Where it has not (this development machine: its cgroup2 hierarchy lists only
// hugetlb, memory and pids being bound to cgroup v1 hierarchies; and any daemon without cgroup
// containment), the same tests assert the other promise instead: the run is refused with
// limit_unavailable naming the controller, and no task is created. Neither branch passes without
// asserting: a daemon that silently dropped a limit fails both (it would start the task, which then
// is not capped).

useTendHome();

interface JsonError {
  error: { reason: string; message: string; exitCode: number; code?: number; controllers?: string[] };
}

/** `tend --json run <args>`: the started task, or the refusal the CLI printed (exit 125). */
async function refusedOrStarted(args: string[]): Promise<{ task: Task } | JsonError> {
  const result = await tend(home, ['--json', 'run', ...args]);
  const printed = JSON.parse(result.stdout) as Task | JsonError;
  if ('error' in printed) {
    expect(result.code).toBe(125);
    return printed;
  }
  expect(result.code, result.stderr).toBe(0);
  return { task: printed };
}

/** Asserts the refusal of a limit: limit_unavailable (3003) naming `controller`, and no task created. */
async function expectRefused(outcome: JsonError, controller: 'memory' | 'pids'): Promise<void> {
  const option = controller === 'memory' ? '--memory-max' : '--pids-max';
  expect(outcome.error).toMatchObject({ reason: 'limit_unavailable', code: 3003, exitCode: 125 });
  expect(outcome.error.controllers).toContain(controller);
  expect(outcome.error.message).toMatch(new RegExp(`^\\w+ \\(${option}\\) (needs|cannot be enforced)`));
  expect(outcome.error.message).toContain(`${controller} controller`);
  expect(await tendJson<Task[]>(home, ['ps', '-a'])).toEqual([]);
}

describe('tend run --memory-max / --pids-max', () => {
  it('refuses sizes and counts that are not ones, naming the value and the right form, without a daemon', async () => {
    const abc = await tend(home, ['run', '--memory-max', 'abc', '--', 'true']);
    expect(abc).toMatchObject({
      code: 125,
      stdout: '',
      stderr:
        `tend: option '--memory-max <size>' argument 'abc' is invalid. "abc" is not a size; use e.g. 512M, 2G, ` +
        '1.5GiB or a number of bytes (K, M, G, T = KiB, MiB, GiB, TiB)\n',
    });
    const tiny = await tend(home, ['run', '--memory-max', '512K', '--', 'true']);
    expect(tiny.stderr).toBe(
      `tend: option '--memory-max <size>' argument '512K' is invalid. "512K" is 524288 bytes; the least is 1M (1 MiB)\n`,
    );
    const zero = await tend(home, ['run', '--pids-max', '0', '--', 'true']);
    expect(zero.stderr).toBe(
      `tend: option '--pids-max <n>' argument '0' is invalid. "0" is not a number of processes from 1 to 4194304, e.g. 512\n`,
    );
    expect((await tend(home, ['run', '--pids-max', '12x', '--', 'true'])).code).toBe(125);
    expect(daemonPid(home)).toBeUndefined();
  });

  it('caps a fork storm of 500 at --pids-max 100, or refuses the limit naming pids and creates no task', async () => {
    // Each child waits until the test's TEND_HOME is gone, so none outlives the test.
    const storm =
      'python3 -c "import os, time, sys\n' +
      'ok = refused = 0\n' +
      'for i in range(500):\n' +
      '    try:\n' +
      '        pid = os.fork()\n' +
      '    except OSError:\n' +
      '        refused += 1\n' +
      '        continue\n' +
      '    if pid == 0:\n' +
      '        while os.path.isdir(sys.argv[1]): time.sleep(0.2)\n' +
      '        os._exit(0)\n' +
      '    ok += 1\n' +
      "print('forked', ok, 'refused', refused, flush=True)\n" +
      `while os.path.isdir(sys.argv[1]): time.sleep(0.2)" '${home}'`;
    const outcome = await refusedOrStarted(['--pids-max', '100', '--', storm]);
    if ('error' in outcome) {
      // This machine, and any daemon without the pids controller: the clear error, no task.
      await expectRefused(outcome, 'pids');
      return;
    }
    const { task } = outcome;
    expect(task.pidsMax).toBe(100);
    const line = await pollUntil(
      'the fork storm to report',
      async () =>
        /forked (\d+) refused (\d+)/.exec((await tend(home, ['logs', task.id])).stdout) ?? undefined,
      { timeoutMs: 60_000 },
    );
    const [forked, refused] = [Number(line[1]), Number(line[2])];
    expect(forked).toBeLessThan(100);
    expect(refused).toBeGreaterThan(300);
    expect(processesWith(`TEND_TASK_ID=${task.id}`).length).toBeLessThanOrEqual(100);
    expect((await tend(home, ['stop', '-t', '2s', task.id])).code).toBe(0);
    await pollUntil(
      'every process of the storm to end',
      () => processesWith(`TEND_TASK_ID=${task.id}`).length === 0,
    );
  });

  it('ends a task that allocates past --memory-max with the OOM reason, or refuses the limit naming memory', async () => {
    const hog = 'python3 -c "b = []\nwhile True: b.append(bytearray(1 << 20))"';
    const outcome = await refusedOrStarted(['--memory-max', '64M', '--', hog]);
    if ('error' in outcome) {
      // This machine, and any daemon without the memory controller: the clear error, no task.
      await expectRefused(outcome, 'memory');
      return;
    }
    expect(outcome.task.memoryMaxBytes).toBe(64 * 1024 * 1024);
    const ended = await pollUntil(
      'the task to be OOM-killed',
      async () => {
        const task = await tendJson<Task>(home, ['inspect', outcome.task.id]);
        return ['starting', 'running', 'stopping', 'restarting'].includes(task.state) ? undefined : task;
      },
      { timeoutMs: 60_000 },
    );
    expect(ended).toMatchObject({
      state: 'failed',
      signal: 'SIGKILL',
      reason: 'killed by the OOM killer: memory.max (64 MiB) reached',
    });
  });
});
