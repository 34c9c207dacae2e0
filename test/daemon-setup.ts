import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { openDatabase } from '../packages/daemon/dist/store/db.js';
import { TaskStore } from '../packages/daemon/dist/store/task-store.js';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import type { WireJson } from './support/wire-json.js';

// Shared setup of the integration tests that talk JSON-RPC to one daemon (daemon-*.integration and
// survival-*.integration): a fresh daemon and a raw client per test, and the steps they share.

/** The running test's daemon (fresh TEND_HOME), set by the hooks of `useDaemon`. */
export let harness: DaemonHarness;
/** A raw JSON-RPC client connected to `harness`; replaced by `restart`. */
export let client: RawClient;

/**
 * Registers the hooks that start a fresh daemon and connect `client` before each test, and clean up after it.
 * With `{ cgroup: true }` the daemon gets a test cgroup root of its own (`harness.cgroup`; config
 * `containment: "cgroup"`), removed with its processes after the test.
 */
export function useDaemon(options: { cgroup?: boolean } = {}): void {
  beforeEach(async () => {
    harness = new DaemonHarness(options);
    await harness.start();
    client = await harness.connect();
  });
  afterEach(async () => {
    await harness.cleanup();
  });
}

/** Starts the daemon again (after `harness.kill9()` or a stop) and connects a new `client`. */
export async function restart(): Promise<void> {
  await harness.start();
  client = await harness.connect();
}

/** Runs `command` in the daemon's home, waits (up to 15 000 ms) for it to exit, and returns the ended task. */
export async function runAndWait(command: string, extra: Record<string, unknown> = {}) {
  const task = await client.request('task/run', { command, cwd: harness.home, ...extra });
  const { outcome, task: ended } = await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
  expect(outcome).toBe('exited');
  return ended;
}

/** The JSON-RPC error `promise` rejects with; throws if it resolves. */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: number; message: string; data: WireJson }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string; data: WireJson };
  }
  throw new Error('expected the request to fail');
}

/** Bytes printed by `seq 1 n`. */
export function seqBytes(n: number): number {
  let total = 0;
  for (let i = 1; i <= n; i++) total += String(i).length + 1;
  return total;
}

/** Opens the daemon's database (only while no daemon runs) and hands its store to `use`. */
export function withStore<T>(use: (store: TaskStore) => T): T {
  const db = openDatabase(join(harness.home, 'state', 'tend.db'));
  try {
    return use(new TaskStore(db));
  } finally {
    db.close();
  }
}

/** This boot's id (`/proc/sys/kernel/random/boot_id`). */
export function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

/** The start time of `pid` in clock ticks since boot (field 22 of `/proc/<pid>/stat`). */
export function startTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}
