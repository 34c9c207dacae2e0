// Diagnostic: the daemon RSS rows of `liveTasks` and `throughput` without the rest of those figures
// (no task/run latencies, no execa reference batches, no restart), for A/B runs of two builds
// (TEND_BENCH_STAGE). Prints, in MiB: idle, with 100 and 1,000 live sleepers (settled as in
// figures/live-tasks.mjs), and in a second daemon idle RSS, then RSS 3 s after N short tasks (`true`,
// 4 clients) have run and ended and every 5 s of a quiet period (45 s, as figures/throughput.mjs), and
// which kinds of mapping grew (mappingGrowth, MiB: [heap], anon, file …, from /proc/<pid>/smaps).
// Usage: node bench/tools/rss-tasks.mjs [ended=10000] [live=100,1000] [quietSec=45]
//   ended=0 skips the ended-tasks part; live= (empty) skips the live part.
import { startSleepers } from '../adoption.mjs';
import { BenchDaemon, isTerminalState, pollUntil, rssBytes, sleep } from '../lib.mjs';
import { readFileSync } from 'node:fs';
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
    const mappingsIdle = rssByMapping(bench.pid);
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
    out.mappingGrowth = mappingGrowth(mappingsIdle, rssByMapping(bench.pid));
  } finally {
    await bench.cleanup();
  }
}
/**
 * RSS of `pid` in KiB per kind of mapping (/proc/<pid>/smaps, proc(5)): `[heap]` (glibc's main arena),
 * `anon` (anonymous mappings: V8's heap pages, other malloc arenas, thread stacks), `file` (mapped files:
 * code, the SQLite addon) and the other named ones (`[stack]`…).
 */
function rssByMapping(pid) {
  const totals = {};
  let kind = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1].trim();
      kind = name === '' ? 'anon' : name.startsWith('[') ? name : 'file';
    } else if (line.startsWith('Rss:')) totals[kind] = (totals[kind] ?? 0) + Number(line.split(/\s+/)[1]);
  }
  return totals;
}

/** Per mapping kind, the growth in MiB from `before` to `after` (kinds that changed by ≥ 0.1 MiB). */
function mappingGrowth(before, after) {
  const growth = {};
  for (const kind of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const delta = ((after[kind] ?? 0) - (before[kind] ?? 0)) / 1024;
    if (Math.abs(delta) >= 0.1) growth[kind] = Number(delta.toFixed(1));
  }
  return growth;
}

console.log(
  JSON.stringify(
    Object.fromEntries(Object.entries(out).map(([k, v]) => [k, typeof v === 'number' ? Number(mib(v)) : v])),
  ),
);
