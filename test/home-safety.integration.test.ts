import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import { pollUntil } from './support/poll.mjs';

let harness: DaemonHarness;

beforeEach(() => {
  harness = new DaemonHarness();
});

afterEach(async () => {
  await harness.cleanup();
});

describe('directories other users can write (StrictModes)', () => {
  it('refuses to start in a group-writable TEND_HOME, naming it and the fix, and creates nothing in it', async () => {
    chmodSync(harness.home, 0o775);
    const { code, stderr } = await harness.runAnother();
    expect(code).toBe(1);
    expect(stderr).toContain(`refusing to use ${harness.home}: it is writable by its group (mode 0775)`);
    expect(stderr).toContain(`chmod go-w ${harness.home}`);
    expect(existsSync(join(harness.home, 'state', 'tend.db'))).toBe(false);
  });

  it('never executes a task-wrapper.sh planted in a swapped state directory', async () => {
    await harness.start();
    const client: RawClient = await harness.connect();
    const first = await client.request('task/run', { command: 'exit 0', cwd: harness.home });
    await client.request('task/wait', { id: first.id, timeoutMs: 10_000 });
    // What a user who could write TEND_HOME would do: move state/ away and plant a wrapper in a new one.
    const state = join(harness.home, 'state');
    const marker = join(harness.home, 'planted-ran');
    renameSync(state, join(harness.home, 'state.old'));
    mkdirSync(join(state, 'tasks'), { recursive: true });
    writeFileSync(join(state, 'task-wrapper.sh'), `touch ${marker}\nexit 0\n`, { mode: 0o755 });
    const task = await client.request('task/run', { command: 'echo real; exit 4', cwd: harness.home });
    const ended = (await client.request('task/wait', { id: task.id, timeoutMs: 10_000 })).task;
    expect(existsSync(marker)).toBe(false);
    expect(ended).toMatchObject({ state: 'failed', exitCode: 4 });
    expect(readFileSync(join(state, 'tasks', task.id, 'output.log'), 'utf8')).toBe('real\n');
  });
});

describe('TEND_SOCKET pointing at something that is not a socket', () => {
  it('leaves a regular file at the socket path untouched and says what is there', async () => {
    const victim = join(harness.home, 'precious.txt');
    writeFileSync(victim, 'do not delete\n');
    harness.env.TEND_SOCKET = victim;
    const { code, stderr } = await harness.runAnother();
    expect(code).toBe(1);
    expect(stderr).toContain(`${victim} is a regular file (14 bytes), not a Unix socket`);
    expect(readFileSync(victim, 'utf8')).toBe('do not delete\n');
  });

  it('leaves a directory at the socket path untouched', async () => {
    const dir = join(harness.home, 'adir');
    mkdirSync(dir);
    harness.env.TEND_SOCKET = dir;
    const { code, stderr } = await harness.runAnother();
    expect(code).toBe(1);
    expect(stderr).toContain(`${dir} is a directory, not a Unix socket`);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('replaces a stale socket that no daemon answers on', async () => {
    await harness.start();
    await harness.kill9();
    expect(statSync(harness.socketPath).isSocket()).toBe(true);
    await harness.start();
    const client = await harness.connect();
    await pollUntil(
      'a status answer',
      async () => (await client.request('daemon/status')).pid === harness.child?.pid,
    );
  });
});
