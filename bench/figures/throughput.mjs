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
 * @returns `{batchSize, batches, clients, tend: {perSec[], endedPerSec[]}, execa: {…}, rss: {idle, after, tasksEnded},
 *   list: {count, p50[]}, status: {p50[]}}`
 */
export async function measureThroughput(ctx) {
  const { repeats, smoke } = ctx;
  const batchSize = smoke ? 100 : 1000;
  const batches = smoke ? 2 : 10;
  const nClients = 4;
  const bench = new BenchDaemon();
  const spawner = new RefSpawner();
  try {
    await bench.start();
    const clients = [];
    for (let i = 0; i < nClients; i++) clients.push(await bench.client(`throughput-${i}`));
    const watcher = await bench.client('watcher');
    // Idle: connected clients, a few requests served, nothing run yet.
    for (const c of clients) await c.status();
    await watcher.list({ limit: 100 });
    const idle = await settledRss(bench.pid, { settleMs: smoke ? 1000 : 3000 });
    const result = {
      batchSize,
      batches,
      clients: nClients,
      tend: { perSec: [], endedPerSec: [] },
      execa: { perSec: [], endedPerSec: [] },
      rss: { idle },
    };
    for (let b = 0; b < batches; b++) {
      const ref = await spawner.batch(bench.wrapperPath, join(bench.home, 'ref-batch'), batchSize);
      const tend = await tendBatch(clients, watcher, bench.home, batchSize);
      result.execa.perSec.push((batchSize / ref.startedMs) * 1000);
      result.execa.endedPerSec.push((batchSize / ref.endedMs) * 1000);
      result.tend.perSec.push((batchSize / tend.startedMs) * 1000);
      result.tend.endedPerSec.push((batchSize / tend.endedMs) * 1000);
      ctx.progress(
        `batch ${b + 1}/${batches}: tend ${result.tend.perSec.at(-1).toFixed(0)} started/s, ` +
          `execa ${result.execa.perSec.at(-1).toFixed(0)}/s; rss ${(rssBytes(bench.pid) / 2 ** 20).toFixed(1)} MiB`,
      );
    }
    result.rss.tasksEnded = batches * batchSize;
    result.rss.after = await settledRss(bench.pid, { settleMs: smoke ? 1000 : 3000 });
    // Then quiet: V8's memory reducer gives the grown heap back after some idle seconds (~30 s here).
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
