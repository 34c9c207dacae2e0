import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DaemonHarness } from './daemon-harness.js';
import { pollUntil } from './support/poll.mjs';

let harness: DaemonHarness;

beforeEach(() => {
  harness = new DaemonHarness();
});

afterEach(async () => {
  await harness.cleanup();
});

it('never punches holes in the file a task put in place of its output.log', async () => {
  const victim = join(harness.home, 'victim.bin');
  const original = Buffer.alloc(1_000_000, 'v');
  writeFileSync(victim, original);
  const go = join(harness.home, 'go');
  await harness.start();
  const client = await harness.connect();
  // The shell's stdout is the output.log tend opened: replace that path by a symlink to
  // another file, then write 400 kB (past the 64 KiB cap) into the original log.
  const command =
    `log=$(readlink /proc/$$/fd/1); rm "$log"; ln -s ${victim} "$log"; ` +
    `head -c 400000 /dev/zero | tr '\\0' a; while [ ! -e ${go} ]; do sleep 0.05; done`;
  const task = await client.request('task/run', { command, cwd: harness.home, outputCapBytes: 65_536 });
  // The daemon says once, in its log, that it stopped capping this task's replaced log.
  const logPath = join(harness.home, 'state', 'daemon.log');
  await pollUntil('the cap enforcer to notice the replaced output.log', () =>
    readFileSync(logPath, 'utf8')
      .split('\n')
      .some((line) => line.includes(task.id) && line.includes('no longer the file tend created')),
  );
  writeFileSync(go, '');
  const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task;
  expect(ended.state).toBe('succeeded');
  const after = readFileSync(victim);
  const zeroed = after.reduce((n: number, byte: number) => n + (byte === 0 ? 1 : 0), 0);
  expect(zeroed).toBe(0);
  expect(after.equals(original)).toBe(true);
});
