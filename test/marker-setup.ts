import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { afterEach, beforeEach, expect } from 'vitest';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import { pollUntil } from './support/poll.mjs';
import {
  isAlive,
  type OwnedProcess,
  processesWith,
  recordProcess,
  signalIfOurs,
} from './support/processes.mjs';

// Shared setup of the marker-containment tests (docs/design.md, "Signals reach only the task"): a
// daemon forced into marker mode by its config.json, and a cleanup that also ends the processes that
// left the task's process group (which DaemonHarness, killing task groups, cannot reach).

/** The running test's daemon, in marker mode (`{"containment":"marker"}`), set by the hooks of `useMarkerDaemon`. */
export let harness: DaemonHarness;
/** A raw JSON-RPC client connected to `harness`. */
export let client: RawClient;
/** Processes the test recorded (pid and start time, or TEND_TASK_ID marker), SIGKILLed after it if still its own. */
const owned: OwnedProcess[] = [];
/** Ids of the tasks the test started: every process still carrying their marker is SIGKILLed after it. */
const taskIds: string[] = [];

/** Registers the hooks: a fresh daemon with config `{"containment":"marker"}` and a client per test; cleanup after it. */
export function useMarkerDaemon(): void {
  beforeEach(async () => {
    harness = new DaemonHarness();
    mkdirSync(join(harness.home, 'config'), { recursive: true });
    writeFileSync(join(harness.home, 'config', 'config.json'), JSON.stringify({ containment: 'marker' }));
    await harness.start();
    client = await harness.connect();
  });
  afterEach(async () => {
    for (const id of taskIds.splice(0)) {
      const envMarker = `TEND_TASK_ID=${id}`;
      for (const pid of processesWith(envMarker)) owned.push({ pid, envMarker });
    }
    for (const process of owned.splice(0)) signalIfOurs(process, 'SIGKILL');
    await harness.cleanup();
  });
}

/** Starts `command` as a task in the test's home (`extra`: more task/run params) and records its id for the cleanup. */
export async function runTask(command: string, extra: Record<string, unknown> = {}): Promise<Task> {
  const task: Task = await client.request('task/run', { command, cwd: harness.home, ...extra });
  taskIds.push(task.id);
  return task;
}

/** Records `pid` (a process the test knows by pid, e.g. one that cleared its environment) for the cleanup. */
export function own(pid: number): void {
  owned.push(recordProcess(pid));
}

/** Waits for the pid a task wrote to `<home>/<name>.pid`, records it for the cleanup and returns it. */
export async function pidFromFile(name: string): Promise<number> {
  const path = join(harness.home, `${name}.pid`);
  const pid = await pollUntil(`${path} to hold a pid`, () => {
    const text = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
    return /^\d+$/.test(text) ? Number(text) : undefined;
  });
  own(pid);
  return pid;
}

/** The command name of `pid` (/proc/<pid>/comm), '' when it is gone. */
export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Process group id of `pid` (field 5 of /proc/<pid>/stat). */
export function pgidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** Stops task `id` as `tend stop` does (SIGTERM, SIGKILL after `graceMs`) and returns the ended task. */
export async function stopTask(id: string, graceMs = 5_000): Promise<Task> {
  const ended = client.request<{ task: Task }>('task/wait', { id, timeoutMs: 30_000 });
  await client.request('task/kill', { id, signal: 'SIGTERM', graceMs });
  const { task } = await ended;
  expect(task.state).toBe('killed');
  return task;
}

/** Waits until none of `pids` runs (a zombie counts as ended: test/support/processes.mjs). */
export async function allGone(pids: number[]): Promise<void> {
  await pollUntil(`pids ${pids.join(', ')} to end`, () => pids.every((pid) => !isAlive(pid)));
}
