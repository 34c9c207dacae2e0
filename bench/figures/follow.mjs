// Follower latency: a line written to a task's log → received by a follower.
// The task prints the wall clock (`date +%s%N`) every ~37 ms (not a multiple of
// any poll period); each follower notes the wall clock when a line arrives.
// Followers: TendClient.follow() (long-polling task/output reads, the agent
// API), the CLI's `tend logs -f` (a cold process reading its stdout), and as the
// floor, this process watching the log file itself with fs.watch (inotify).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, watch } from 'node:fs';
import { BenchDaemon, CLI_BIN, pollUntil, stats, wallNow } from '../lib.mjs';

const linesCommand = (n) =>
  `sleep 0.7; i=0; while [ $i -lt ${n} ]; do date +%s%N; sleep 0.037; i=$((i+1)); done`;

/** Latency (ms) of every complete `date +%s%N` line in `text`, received at `at`. */
function latencies(text, at) {
  return text
    .split('\n')
    .filter((line) => /^\d{19}$/.test(line))
    .map((line) => at - Number(BigInt(line) / 1000n) / 1000);
}

/** A line splitter: feed chunks, get complete lines' latencies. */
function lineReader(onLatencies) {
  let rest = '';
  return (chunk, at) => {
    const text = rest + chunk;
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      rest = text;
      return;
    }
    rest = text.slice(cut + 1);
    onLatencies(latencies(text.slice(0, cut + 1), at));
  };
}

async function followWithClient(client, task) {
  const out = [];
  const feed = lineReader((l) => out.push(...l));
  for await (const chunk of client.follow(task.id)) feed(chunk.data, wallNow());
  return out;
}

function followWithCli(env, task) {
  return new Promise((resolve, reject) => {
    const out = [];
    const feed = lineReader((l) => out.push(...l));
    const child = spawn(process.execPath, [CLI_BIN, 'logs', '-f', task.id], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => feed(d, wallNow()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

function followWithInotify(logPath, isDone) {
  return new Promise((resolve) => {
    const out = [];
    const feed = lineReader((l) => out.push(...l));
    let offset = 0;
    const fd = openSync(logPath, 'r');
    const buf = Buffer.alloc(64 * 1024);
    const drain = () => {
      const at = wallNow();
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        feed(buf.subarray(0, n).toString('utf8'), at);
      }
    };
    const watcher = watch(logPath, drain);
    const timer = setInterval(() => {
      if (!isDone()) return;
      drain();
      watcher.close();
      clearInterval(timer);
      closeSync(fd);
      resolve(out);
    }, 50);
  });
}

/** @returns per-repeat p50s (ms) `{lines, client[], cli[], inotify[]}`, and every sample in `*All`. */
export async function measureFollow(ctx) {
  const { repeats, smoke } = ctx;
  const lines = smoke ? 15 : 40;
  const bench = new BenchDaemon();
  try {
    await bench.start();
    const client = await bench.client('follow');
    const result = { lines, client: [], cli: [], inotify: [], clientAll: [], cliAll: [], inotifyAll: [] };
    for (let r = 0; r < repeats; r++) {
      const task = await client.run({ command: linesCommand(lines), cwd: bench.home });
      let done = false;
      const [viaClient, viaCli, viaInotify] = await Promise.all([
        followWithClient(client, task),
        followWithCli(bench.env, task),
        followWithInotify(task.logPath, () => done),
        client.wait(task.id).then(() => (done = true)),
      ]);
      await pollUntil('follow to finish', () => done, { timeoutMs: 30_000, intervalMs: 2 });
      for (const [key, values] of [
        ['client', viaClient],
        ['cli', viaCli],
        ['inotify', viaInotify],
      ]) {
        if (values.length !== lines)
          throw new Error(`${key} follower saw ${values.length} of ${lines} lines`);
        result[key].push(stats(values).p50);
        result[`${key}All`].push(...values);
      }
      ctx.progress(
        `follow repeat ${r + 1}/${repeats}: TendClient.follow p50 ${result.client.at(-1).toFixed(1)} ms, ` +
          `tend logs -f ${result.cli.at(-1).toFixed(1)} ms, inotify ${result.inotify.at(-1).toFixed(2)} ms`,
      );
    }
    return result;
  } finally {
    await bench.cleanup();
  }
}
