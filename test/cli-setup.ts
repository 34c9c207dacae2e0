import { existsSync } from 'node:fs';
import type { Task } from '@tend/protocol';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { CLI_BIN, cleanUpTendHome, makeTendHome, tend, tendJson } from './helpers.js';
import { removeTestCgroup, useTestCgroupRoot } from './support/cgroup.mjs';
import { pollUntil } from './support/poll.mjs';

// Shared setup of the `tend` CLI e2e tests (cli-*.e2e.test.ts): a fresh TEND_HOME per test, and the
// few steps many tests take through the CLI.

/** The TEND_HOME of the running test: a fresh temporary directory, set by the hooks of `useTendHome`. */
export let home: string;
/**
 * With `useTendHome({ cgroup: true })`: the running test's cgroup root (config.json `cgroupRoot`), or
 * why none could be made (the daemon then runs in marker mode, which the test must assert).
 */
export let testCgroup: { path: string } | { path: undefined; reason: string } | undefined;

/**
 * Registers the hooks of a CLI e2e test file: fails early when the CLI is not built, gives each test
 * a fresh `home`, and afterwards stops its daemon and tasks and removes it (`cleanUpTendHome`).
 */
export function useTendHome(options: { cgroup?: boolean } = {}): void {
  beforeAll(() => {
    if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`);
  });
  beforeEach(() => {
    home = makeTendHome();
    testCgroup = options.cgroup ? useTestCgroupRoot(home) : undefined;
  });
  afterEach(async () => {
    await cleanUpTendHome(home);
    if (testCgroup?.path) await removeTestCgroup(testCgroup.path);
  });
}

/** Runs `tend run <args>` and returns the id it printed, checking it is the only output. */
export async function runTask(args: string[], env?: Record<string, string>): Promise<string> {
  const result = await tend(home, ['run', ...args], env ? { env } : {});
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^[a-z0-9]+\n$/);
  return result.stdout.trim();
}

/** Polls `tend ps -a --json` until the task is listed in a terminal state, and returns it. */
export async function endedTask(id: string): Promise<Task> {
  return pollUntil(`task ${id} to end`, async () => {
    const tasks = await tendJson<Task[]>(home, ['ps', '-a']);
    const task = tasks.find((t) => t.id === id);
    return task && !['starting', 'running', 'stopping', 'restarting'].includes(task.state) ? task : undefined;
  });
}

/** Polls until a second client (the command under test) is connected to the daemon: status itself is the first. */
export async function otherClientConnected(): Promise<void> {
  await pollUntil('the other tend command to connect', async () => {
    const status = await tend(home, ['--json', 'daemon', 'status']);
    return status.code === 0 && (JSON.parse(status.stdout) as { clients: number }).clients >= 2
      ? true
      : undefined;
  });
}
