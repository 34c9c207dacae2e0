import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import { pollUntil } from './support/poll.mjs';
import type { WireJson } from './support/wire-json.js';

// Shared setup of the lifetime-policy tests (lifetime-*.integration): a daemon started with its own
// config.json (a short sessionGraceMs), a watcher client without a session, and the waits they share.

const harnesses: DaemonHarness[] = [];

/** Registers the hook that cleans up every harness {@link startWithConfig} started. */
export function useLifetimeDaemons(): void {
  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.cleanup();
  });
}

/** A daemon in a fresh TEND_HOME whose config.json holds `config`, started; cleaned up after the test. */
export async function startWithConfig(config: Record<string, unknown>): Promise<DaemonHarness> {
  const harness = new DaemonHarness();
  harnesses.push(harness);
  mkdirSync(join(harness.home, 'config'), { recursive: true, mode: 0o700 });
  writeFileSync(join(harness.home, 'config', 'config.json'), JSON.stringify(config));
  await harness.start();
  return harness;
}

/** Starts a task that runs until SIGTERM (a shell loop), with `params` laid over the defaults. */
export function runLoop(client: RawClient, harness: DaemonHarness, params: Record<string, unknown> = {}) {
  return client.request('task/run', {
    // Ends on SIGTERM; ends by itself once the test's home is removed (no task outlives a failed test).
    command: `while [ -d '${harness.home}' ]; do sleep 0.05; done`,
    cwd: harness.home,
    ...params,
  });
}

/** Closes `client` and waits until the daemon has seen it go (daemon/status `clients` back to `expected`). */
export async function closeAndSettle(client: RawClient, watcher: RawClient, expected: number): Promise<void> {
  client.close();
  await pollUntil(`the daemon to count ${expected} clients`, async () => {
    const status = await watcher.request('daemon/status');
    return status.clients === expected;
  });
}

/** The ended task `id`, once `task/wait` says it has ended (deadline 15 000 ms). */
export async function endOf(watcher: RawClient, id: string): Promise<WireJson> {
  const { outcome, task } = await watcher.request('task/wait', { id, timeoutMs: 15_000 });
  if (outcome !== 'exited') throw new Error(`task ${id} did not end within 15 s (${outcome})`);
  return task;
}

/** The daemon log's JSON lines (daemon.log of `harness`) whose `msg` contains `text`. */
export function logLines(harness: DaemonHarness, text: string): WireJson[] {
  return readFileSync(join(harness.home, 'state', 'daemon.log'), 'utf8')
    .split('\n')
    .filter((line) => line.includes(text))
    .map((line) => JSON.parse(line));
}

/** Waits until daemon.log holds at least `count` lines containing `text` (the log is written asynchronously). */
export function logged(harness: DaemonHarness, text: string, count = 1): Promise<WireJson[]> {
  return pollUntil(`${count} daemon.log line(s) with "${text}"`, () => {
    const lines = logLines(harness, text);
    return lines.length >= count && lines;
  });
}
