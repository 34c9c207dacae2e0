import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_READY_TIMEOUT_MS, MAX_TIMER_DELAY_MS, type ReadyCheck } from '@tend/protocol';
import type { TaskRow } from '../store/task-store.js';
import { READY_POLL_MS, waitUntilReady } from './readiness.js';
import type { TaskSupervisor } from './supervisor.js';

/** How a project task's readiness wait ended: ready, its task ended first, or the check's timeout passed. */
export type ProjectReadyOutcome = 'ready' | 'exited' | 'timeout';

/**
 * Waits until the readiness check `ready` of project task `row` passes (absent: at once). `output`, `port`
 * and `http` are task/wait's `until` ({@link waitUntilReady}); `command` runs `shell -c command` in the task's
 * cwd with its environment every {@link READY_POLL_MS} until it exits 0. The wait gives up after
 * `ready.timeoutMs` (default {@link DEFAULT_READY_TIMEOUT_MS}), or when `signal` aborts (then `timeout`).
 */
export async function waitProjectReady(
  supervisor: TaskSupervisor,
  shell: string,
  row: TaskRow,
  ready: ReadyCheck | undefined,
  signal?: AbortSignal,
): Promise<ProjectReadyOutcome> {
  if (ready === undefined) return 'ready';
  const timeoutMs = ready.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  if (ready.command === undefined) {
    const until =
      ready.output !== undefined
        ? { output: ready.output }
        : ready.port !== undefined
          ? { port: ready.port }
          : { http: ready.http as string };
    const { outcome } = await waitUntilReady(supervisor, row, until, timeoutMs, signal);
    return outcome === 'exited' ? 'exited' : outcome === 'timeout' ? 'timeout' : 'ready';
  }
  const done = AbortSignal.any([
    AbortSignal.timeout(Math.min(timeoutMs, MAX_TIMER_DELAY_MS)),
    ...(signal ? [signal] : []),
  ]);
  const ended = supervisor.wait(row.id, undefined, done).then(({ outcome }) => outcome === 'exited');
  let exited = false;
  void ended.then((e) => {
    exited = e;
  });
  while (!done.aborted) {
    if (await probe(shell, ready.command, row, done)) return 'ready';
    if (exited) return 'exited';
    await sleep(READY_POLL_MS, undefined, { signal: done }).catch(() => undefined);
    if (exited) return 'exited';
  }
  return 'timeout';
}

/** Runs `command` once for the task's readiness: true when it exits 0. */
function probe(shell: string, command: string, row: TaskRow, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(shell, ['-c', command], {
      cwd: row.cwd,
      env: { ...(row.inheritEnv ? process.env : {}), ...row.capturedEnv, ...row.env },
      stdio: 'ignore',
      signal,
    });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}
