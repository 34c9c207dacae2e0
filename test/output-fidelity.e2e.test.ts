import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import { CLI_BIN, cliEnv } from './helpers.js';
import { pollUntil } from './support/poll.mjs';

// `tend logs` prints what the task wrote: exact bytes, progress bars collapsed across reads with
// --clean, whole lines after the output cap dropped the head.

let harness: DaemonHarness;
let client: RawClient;

beforeEach(async () => {
  harness = new DaemonHarness();
  await harness.start();
  client = await harness.connect('fidelity');
});
afterEach(async () => {
  await harness.cleanup();
});

/** Runs the built CLI against the harness's daemon; stdout as the exact bytes written. @throws Error after 60 s. */
function tendBytes(
  args: readonly string[],
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: cliEnv(harness.home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tend ${args.join(' ')} did not exit within 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('tend logs', () => {
  it('prints 1 MiB of /dev/urandom byte for byte (same SHA-256 as the log), whole, as a tail and followed', async () => {
    const task = await client.request('task/run', {
      command: 'head -c 1048576 /dev/urandom',
      cwd: harness.home,
    });
    await client.request('task/wait', { id: task.id });
    const written = readFileSync(task.logPath);
    expect(written.length).toBe(1024 * 1024);

    const whole = await tendBytes(['logs', task.id]);
    expect(whole.code).toBe(0);
    expect(whole.stdout.length).toBe(written.length);
    expect(sha256(whole.stdout)).toBe(sha256(written));
    const tail = await tendBytes(['logs', task.id, '--bytes', '1000']);
    expect(tail.stdout.equals(written.subarray(written.length - 1000))).toBe(true);
    // Line-based windows count 0x0a bytes and cut exactly there.
    let third = -1;
    for (let n = 0; n < 3; n++) third = written.indexOf(0x0a, third + 1);
    const head = await tendBytes(['logs', task.id, '--head', '3']);
    expect(head.stdout.equals(written.subarray(0, third + 1))).toBe(true);
    const lastLines = await tendBytes(['logs', task.id, '-n', '2']);
    const ends = written.lastIndexOf(0x0a, written.lastIndexOf(0x0a, written.length - 2) - 1);
    expect(lastLines.stdout.equals(written.subarray(ends + 1))).toBe(true);
    const followed = await tendBytes(['logs', '-f', task.id]);
    expect(sha256(followed.stdout)).toBe(sha256(written));
  }, 120_000); // six CLI runs moving 1 MiB each: slow on a loaded machine, not a timing check

  it('prints a followed progress bar redrawn with \\r over many reads, with --clean, as one line per final state', async () => {
    // Each frame arrives in its own read: the follower is waiting when it is written.
    const task = await client.request('task/run', {
      command:
        "printf 'build\\n'; for i in 1 2 3 4 5; do sleep 0.3; printf '\\r\\033[32m%d%%\\033[0m' $((i * 20)); done; printf '\\ndone\\n'",
      cwd: harness.home,
    });
    const followed = await tendBytes(['logs', '-f', '--clean', task.id]);
    expect(followed.code).toBe(0);
    expect(followed.stdout.toString('utf8')).toBe('build\n100%\ndone\n');
  });

  it('starts --head at a whole line after the output cap dropped the head of the log', async () => {
    const task = await client.request('task/run', {
      command: 'seq 1 200000',
      cwd: harness.home,
      outputCapBytes: 64 * 1024,
    });
    await client.request('task/wait', { id: task.id });
    // The cap trims a log that ended once more, right after the end.
    await pollUntil(
      'the output cap to drop the head',
      async () => (await client.request('task/get', { id: task.id })).droppedBytes > 0,
    );
    const head = await tendBytes(['logs', task.id, '--head', '2']);
    const [first, second, rest] = head.stdout.toString('utf8').split('\n');
    // Whole lines of seq: consecutive numbers, the first one not a cut-off end of a longer one.
    expect(Number(second)).toBe(Number(first) + 1);
    expect(rest).toBe('');
    const log = readFileSync(task.logPath);
    const at = log.indexOf(`\n${first}\n${second}\n`);
    expect(at).toBeGreaterThan(0);
  });
});
