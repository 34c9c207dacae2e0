// Batches of short tasks (`true`): started by 4 concurrent TendClients against
// execa spawning the same wrapper in one process (ref/spawner.mjs); then, in the same daemon once
// every batch has run and ended (10,000 tasks in the full run), its RSS against
// its idle RSS (leak) and task/list (limit 100) against daemon/status.
import { join } from 'node:path';
import { BenchDaemon, isTerminalState, now, pollUntil, rssBytes, sleep, stats } from '../lib.mjs';
import { RefSpawner } from '../ref/spawner-client.mjs';

/** Median RSS (bytes) of `samples` readings `everyMs` apart, after `settleMs`. */
export async function settledRss(pid, { settleMs = 1000, samples = 5, everyMs = 200 } = {}) {
  await sleep(settleMs);
  const values = [];
  for (let i = 0; i < samples; i++) {
    values.push(rssBytes(pid));
    if (i < samples - 1) await sleep(everyMs);
  }
  return stats(values).p50;
}

/** Runs `n` tasks `true` through `clients` (each sequential, all at once); ms until the last started, and until all ended. */
async function tendBatch(clients, watcher, cwd, n) {
  const endedIds = new Set();
  const listener = watcher.onTaskDidChange(({ task }) => {
    if (isTerminalState(task.state)) endedIds.add(task.id);
  });
  try {
    const t0 = now();
    const ids = [];
    let next = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (next < n) {
          next++;
          ids.push((await client.run({ command: 'true', cwd })).id);
        }
      }),
    );
    const startedMs = now() - t0;
    await pollUntil('batch to end', () => ids.every((id) => endedIds.has(id)), {
      timeoutMs: 120_000,
      intervalMs: 5,
    });
    return { startedMs, endedMs: now() - t0 };
  } finally {
    listener.dispose();
  }
}

/**
 * Batch size of a full run: 1,000, or `$TEND_BENCH_THROUGHPUT_BATCH` (a smaller size to try the figure out;
 * its rows then say that size). A full run has 10 batches, so 10 × that many tasks end before the RSS row.
 */
export function throughputBatch() {
  const size = Number(process.env.TEND_BENCH_THROUGHPUT_BATCH ?? 1000);
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`TEND_BENCH_THROUGHPUT_BATCH=${size}: want a positive integer`);
  return size;
}

/**
 * Every batch runs through tend (its tasks are what the RSS-growth row counts); the first `repeats`
 * batches are each paired with an execa batch run just before it, for the throughput row (whose
 * samples are those pairs, as many as every other figure's repeats). Until 2026-12-01 every batch had its
 * execa twin: 5 more pairs, ~20 % of the figure's time (2026-11-30: 5 × ~40 s of 974 s).
 * @returns `{batchSize, batches, clients, tend: {perSec[], endedPerSec[]} (every batch),
 *   execa: {perSec[], endedPerSec[]} (the first `repeats`), rss: {beforeTasks, warmUpTasks, idle, after, tasksEnded, series[], quiet,
 *   quietSec} (bytes; `beforeTasks` before any task, `idle` after `warmUpTasks` tasks ran and ended),
 *   list: {count, p50[]}, status: {p50[]}}`
 */
export async function measureThroughput(ctx) {
  const { repeats, smoke } = ctx;
  const batchSize = smoke ? 100 : throughputBatch();
  const batches = smoke ? 2 : 10;
  const nClients = 4;
  const bench = new BenchDaemon();
  const spawner = new RefSpawner();
  try {
    await bench.start();
    const clients = [];
    for (let i = 0; i < nClients; i++) clients.push(await bench.client(`throughput-${i}`));
    const watcher = await bench.client('watcher');
    // Idle: connected clients, a few requests served, nothing run yet (`beforeTasks`); then one task per
    // client run and ended (`idle`, the growth row's base). The daemon builds a method's schemas at its
    // first request (issue 13: not at start), so the first task/run adds a one-time few MiB that is not
    // growth over tasks; the row reports both.
    for (const c of clients) await c.status();
    await watcher.list({ limit: 100 });
    const settleMs = smoke ? 1000 : 3000;
    const beforeTasks = await settledRss(bench.pid, { settleMs });
    await tendBatch(clients, watcher, bench.home, nClients);
    const idle = await settledRss(bench.pid, { settleMs });
    const result = {
      batchSize,
      batches,
      clients: nClients,
      tend: { perSec: [], endedPerSec: [] },
      execa: { perSec: [], endedPerSec: [] },
      rss: { beforeTasks, warmUpTasks: nClients, idle },
    };
    for (let b = 0; b < batches; b++) {
      const paired = b < Math.min(repeats, batches);
      if (paired) {
        const ref = await spawner.batch(bench.wrapperPath, join(bench.home, 'ref-batch'), batchSize);
        result.execa.perSec.push((batchSize / ref.startedMs) * 1000);
        result.execa.endedPerSec.push((batchSize / ref.endedMs) * 1000);
      }
      const tend = await tendBatch(clients, watcher, bench.home, batchSize);
      result.tend.perSec.push((batchSize / tend.startedMs) * 1000);
      result.tend.endedPerSec.push((batchSize / tend.endedMs) * 1000);
      ctx.progress(
        `batch ${b + 1}/${batches}: tend ${result.tend.perSec.at(-1).toFixed(0)} started/s` +
          (paired ? `, execa ${result.execa.perSec.at(-1).toFixed(0)}/s` : '') +
          `; rss ${(rssBytes(bench.pid) / 2 ** 20).toFixed(1)} MiB`,
      );
    }
    result.rss.tasksEnded = batches * batchSize;
    result.rss.after = await settledRss(bench.pid, { settleMs: smoke ? 1000 : 3000 });
    // Then quiet, for a fixed 45 s on purpose: the row is the RSS a user sees once the daemon has been
    // idle a while, i.e. after V8's memory reducer has given the grown heap back (it runs after some idle
    // seconds, ~30 s here, and no event tells when it is done). No request may reach the daemon meanwhile.
    const quietSec = smoke ? 5 : 45;
    result.rss.series = [];
    for (let s = 4; s <= quietSec; s++) {
      await sleep(1000);
      result.rss.series.push(rssBytes(bench.pid));
    }
    result.rss.quiet = result.rss.series.at(-1);
    result.rss.quietSec = quietSec;
    // task/list (limit 100) with every batch's tasks ended in the store, against daemon/status.
    const count = smoke ? 100 : 300;
    result.list = { count, stored: batches * batchSize, p50: [] };
    result.status = { p50: [] };
    await clients[0].list({ limit: 100 });
    for (let r = 0; r < repeats; r++) {
      const lt = [];
      const st = [];
      for (let i = 0; i < count; i++) {
        let t0 = now();
        await clients[0].list({ limit: 100 });
        lt.push(now() - t0);
        t0 = now();
        await clients[0].status();
        st.push(now() - t0);
      }
      result.list.p50.push(stats(lt).p50);
      result.status.p50.push(stats(st).p50);
    }
    ctx.progress(
      `task/list p50 ${stats(result.list.p50).p50.toFixed(2)} ms with ${batches * batchSize} ended tasks`,
    );
    return result;
  } finally {
    spawner.close();
    await bench.cleanup();
  }
}
