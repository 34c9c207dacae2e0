// Diagnostic: the daemon RSS rows of `liveTasks` and `throughput` without the rest of those figures
// (no task/run latencies, no execa reference batches, no restart), for A/B runs of two builds
// (TEND_BENCH_STAGE). Prints, in MiB: idle, with 100 and 1,000 live sleepers (settled as in
// figures/live-tasks.mjs), and in a second daemon idle RSS, then RSS 3 s after N short tasks (`true`,
// 4 clients) have run and ended and every 5 s of a quiet period (45 s, as figures/throughput.mjs).
// Usage: node bench/tools/rss-tasks.mjs [ended=10000] [live=100,1000] [quietSec=45]
//   ended=0 skips the ended-tasks part; live= (empty) skips the live part.
import { startSleepers } from '../adoption.mjs';
import { BenchDaemon, isTerminalState, pollUntil, rssBytes, sleep } from '../lib.mjs';
import { settledRss } from '../figures/throughput.mjs';

const ended = Number(process.argv[2] ?? 10_000);
const levels = (process.argv[3] ?? '100,1000').split(',').filter(Boolean).map(Number);
const quietSec = Number(process.argv[4] ?? 45);
const mib = (b) => (b / 2 ** 20).toFixed(1);
const out = {};

if (levels.length) {
  const bench = new BenchDaemon();
  try {
    await bench.start();
    const client = await bench.client('live');
    await client.status();
    out.idle = await settledRss(bench.pid, { settleMs: 1500 });
    let live = 0;
    for (const level of levels) {
      await startSleepers(bench, client, level - live);
      live = level;
      out[`live${level}`] = await settledRss(bench.pid, { settleMs: 1500 });
    }
  } finally {
    await bench.cleanup();
  }
}

if (ended > 0) {
  const bench = new BenchDaemon();
  try {
    await bench.start();
    const clients = [];
    for (let i = 0; i < 4; i++) clients.push(await bench.client(`c${i}`));
    const watcher = await bench.client('watcher');
    for (const c of clients) await c.status();
    await watcher.list({ limit: 100 });
    out.endedIdle = await settledRss(bench.pid, { settleMs: 3000 });
    const endedIds = new Set();
    watcher.onTaskDidChange(({ task }) => {
      if (isTerminalState(task.state)) endedIds.add(task.id);
    });
    const ids = [];
    for (let b = 0; b < ended; b += 1000) {
      const size = Math.min(1000, ended - b);
      let next = 0;
      await Promise.all(
        clients.map(async (c) => {
          while (next < size) {
            next++;
            ids.push((await c.run({ command: 'true', cwd: bench.home })).id);
          }
        }),
      );
      await pollUntil('batch to end', () => ids.every((id) => endedIds.has(id)), {
        timeoutMs: 300_000,
        intervalMs: 5,
      });
      process.stderr.write(`${ids.length} ended: rss ${mib(rssBytes(bench.pid))} MiB\n`);
    }
    out.after3s = await settledRss(bench.pid, { settleMs: 3000 });
    const series = [];
    for (let s = 4; s <= quietSec; s++) {
      await sleep(1000);
      if (s % 5 === 0 || s === quietSec) series.push(`${s}s:${mib(rssBytes(bench.pid))}`);
    }
    out.quiet = rssBytes(bench.pid);
    out.growth = out.quiet - out.endedIdle;
    out.series = series.join(' ');
  } finally {
    await bench.cleanup();
  }
}
console.log(
  JSON.stringify(
    Object.fromEntries(Object.entries(out).map(([k, v]) => [k, typeof v === 'number' ? Number(mib(v)) : v])),
  ),
);
