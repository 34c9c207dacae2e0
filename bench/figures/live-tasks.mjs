// A daemon grown from 0 to 100 to 1,000 live tasks (`exec sleep 3600`): its
// RSS at each level (nothing else runs in it); then a second daemon grown the
// same way, with the task/run p50 at each level; then, with its 1,000 live,
// its idle CPU, and SIGKILL and restart it with them to adopt
// (start → serving, against an empty daemon's), and the delay from an adopted
// task's end to task/didChange.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureAdoptedEnds, startSleepers } from '../adoption.mjs';
import { BenchDaemon, cpuPercent, now, rssBytes, stats } from '../lib.mjs';
import { RefSpawner } from '../ref/spawner-client.mjs';
import { runLatencies } from './task-run.mjs';
import { settledRss } from './throughput.mjs';

/** How long idle daemon CPU is measured, in ms: 10 s gives a resolution of 0.1 % of a core (10 ms clock ticks). */
const idleMs = (smoke) => (smoke ? 2000 : 10_000);

/**
 * Lets the daemon finish what the last requests started (GC, timers) before idle CPU is measured: 12 s in a
 * full run, past the daemon's one compacting GC when it goes idle (packages/daemon/src/runtime/idle-gc.ts: 5–10 s
 * after the last request or task change, 30–100 ms of CPU after 1,000 starts or adoptions; until 2026-12-01
 * the wait was 2 s, so that one-time GC fell inside the 10 s window: 0.7–1.0 % measured, 0.0–0.1 % per
 * second once it was done). A smoke run keeps 0.5 s.
 */
const settle = (smoke) => new Promise((resolve) => setTimeout(resolve, smoke ? 500 : 12_000));

/**
 * The top level of a full run: 1,000 live tasks, or `$TEND_BENCH_LIVE_TOP` (a smaller size to try the
 * figure out; its rows then say that size). Levels are 0, top/10 and top.
 */
export function liveTop() {
  const top = Number(process.env.TEND_BENCH_LIVE_TOP ?? 1000);
  if (!Number.isInteger(top) || top < 10) throw new Error(`TEND_BENCH_LIVE_TOP=${top}: want an integer ≥ 10`);
  return top;
}

/**
 * pm2's God daemon idle with `n` apps of its own (`/bin/sh -c 'exec sleep 3600'`, as tend's sleepers):
 * its CPU in % of a core over {@link idleMs} and its RSS in bytes; deletes them afterwards. Apps other
 * figures left in pm2 (cli-ps's 100, whose `sleep` may have ended by now) are not counted.
 * All `n` are started in one pm2 call (pm2 fetches its whole process list per start call: O(n²) one by
 * one); the ones pm2 skipped are started again (twice at most); then it waits, with a deadline, for all
 * of them to be online rather than looking once (the cause of the lost 2026-11-30 figure was another
 * figure's ended apps counted with these: 'pm2 reports 900 online, expected 1000').
 * @returns `{cpu, rss, startMs, onlineMs}`
 * @throws Error when not all `n` are online within 2 min.
 */
async function pm2Idle(pm2, n, progress) {
  const prefix = 'idle-sleeper-';
  const names = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  try {
    const t0 = now();
    let todo = names;
    for (let attempt = 0; attempt < 3 && todo.length > 0; attempt++) {
      if (attempt > 0) progress(`pm2 skipped ${todo.length} of its ${n} idle apps; starting them again`);
      await pm2.startMany(todo.map((name) => ({ name, args: ['-c', 'exec sleep 3600'] })));
      todo = await pm2.missing(todo);
    }
    const startMs = now() - t0;
    const onlineMs = await pm2.waitOnline(names, { timeoutMs: 120_000 });
    await settle(false);
    const cpu = await cpuPercent(pm2.godPid, idleMs(false));
    const rss = await settledRss(pm2.godPid, { settleMs: 0 });
    return { cpu, rss, startMs, onlineMs };
  } finally {
    await pm2.deletePrefix(prefix).catch((error) => progress(`pm2 delete ${prefix}*: ${error.message}`));
  }
}

/**
 * Each sub-measure of the figure runs on its own: its error is recorded in `result.errors[name]`
 * (the rows it feeds say "not measured" with it) and the next sub-measures still run.
 * Seconds per sub-measure go to `result.stepSec`.
 */
async function step(result, ctx, name, fn) {
  const t0 = now();
  try {
    await fn();
  } catch (error) {
    result.errors[name] = error instanceof Error ? error.message : String(error);
    ctx.progress(`${name} not measured: ${result.errors[name]}`);
  } finally {
    result.stepSec[name] = +((now() - t0) / 1000).toFixed(1);
  }
}

/**
 * @returns `{levels, rss: {level: bytes}, run: {level: p50[]}, execa: {level: p50[]},
 *   restart: {live, startToServing[], emptyStartToServing[], endDetection: {p99[], all}, rssAdopted},
 *   cpuIdleOwn, cpuIdleAdopted, pm2CpuIdle and pm2RssTop (bytes; when pm2 runs),
 *   errors: {rss|run|cpuIdleOwn|restart|pm2: message}, stepSec: {…: s}}`, CPU in % of one core.
 *   A sub-measure's error is in `errors`, not thrown (see {@link step}).
 */
export async function measureLiveTasks(ctx) {
  const { repeats, smoke } = ctx;
  const top = smoke ? 100 : liveTop();
  const levels = smoke ? [0, 20, 100] : [0, top / 10, top].map(Math.round);
  const runCount = smoke ? 10 : 40;
  const endsPerRestart = smoke ? 5 : 10;
  // RSS is measured in a daemon of its own (`sizer`), grown 0 → top with nothing else run in it; then
  // `bench` grows the same way with task/run measured at each level. Until 2026-12-01 one daemon grew
  // for RSS and shrank for task/run, through 900 task ends: each costs the daemon a pass over /proc
  // (~0.2 s of CPU with 1,000 live, 0.35–1.5 s of wall each on the busy machine), where a start costs ~0.1 s.
  const sizer = new BenchDaemon();
  const bench = new BenchDaemon();
  const empty = new BenchDaemon();
  const spawner = new RefSpawner();
  try {
    const result = { levels, rss: {}, run: {}, execa: {}, runCount, errors: {}, stepSec: {} };
    // RSS first, growing: nothing but starting the sleepers has run in this daemon.
    await step(result, ctx, 'rss', async () => {
      try {
        await sizer.start();
        const client = await sizer.client('rss');
        await client.status();
        let grown = 0;
        for (const level of levels) {
          grown += (await startSleepers(sizer, client, level - grown)).length;
          result.rss[level] = await settledRss(sizer.pid, { settleMs: smoke ? 500 : 1500 });
          ctx.progress(`${level} live tasks: daemon RSS ${(result.rss[level] / 2 ** 20).toFixed(1)} MiB`);
        }
      } finally {
        // SIGKILL first: its sleepers' ends (cleanup kills them next) need no handling.
        if (sizer.pid) await sizer.kill9().catch(() => undefined);
        await sizer.cleanup();
      }
    });
    // Room for the top level: the default maxLiveTasks (128) would refuse the 129th sleeper.
    mkdirSync(join(bench.home, 'config'), { recursive: true });
    writeFileSync(join(bench.home, 'config', 'config.json'), JSON.stringify({ maxLiveTasks: top + 100 }));
    // The empty daemon's first start overlaps the measured daemon's (it is only timed from its restarts on).
    const emptyStarted = empty.start();
    await bench.start();
    await emptyStarted;
    let client = await bench.client('live');
    await client.status();
    let live = [];
    // task/run latencies, growing: sleepers started to reach each level.
    await step(result, ctx, 'run', async () => {
      for (const level of levels) {
        live = live.concat(await startSleepers(bench, client, level - live.length));
        result.run[level] = [];
        result.execa[level] = [];
        await runLatencies(client, bench.home, 5);
        for (let r = 0; r < repeats; r++) {
          result.run[level].push(stats(await runLatencies(client, bench.home, runCount)).p50);
          result.execa[level].push(
            stats(await spawner.latencies(bench.wrapperPath, join(bench.home, `ref-${level}-${r}`), runCount))
              .p50,
          );
        }
        ctx.progress(
          `${level} live tasks: task/run p50 ${stats(result.run[level]).p50.toFixed(2)} ms (execa ${stats(result.execa[level]).p50.toFixed(2)} ms)`,
        );
      }
    });
    // A failed sub-measure may have left fewer than `top` running (or some untracked in `live`): top up by the daemon's count.
    const topUp = async () => {
      const running = (await client.status()).tasks.running ?? 0;
      if (running < top) live = live.concat(await startSleepers(bench, client, top - running));
    };
    await step(result, ctx, 'cpuIdleOwn', async () => {
      await topUp();
      await settle(smoke);
      result.cpuIdleOwn = await cpuPercent(bench.pid, idleMs(smoke));
      ctx.progress(`${top} own tasks: daemon idle CPU ${result.cpuIdleOwn.toFixed(2)} % of a core`);
    });
    // Restart with every live task to adopt; replenish the ones ended for the end-detection figure.
    const restart = {
      live: top,
      startToServing: [],
      emptyStartToServing: [],
      endDetection: { p99: [], p50: [], all: [] },
    };
    result.restart = restart;
    await step(result, ctx, 'restart', async () => {
      await topUp();
      for (let r = 0; r < repeats; r++) {
        await client.close();
        await bench.kill9();
        restart.startToServing.push(await bench.start());
        client = await bench.client('live');
        const status = await client.status();
        if ((status.tasks.running ?? 0) !== top)
          throw new Error(`expected ${top} adopted, daemon reports ${JSON.stringify(status.tasks)}`);
        if (r === 0) {
          restart.rssAdopted = await settledRss(bench.pid, { settleMs: smoke ? 500 : 1500 });
          await settle(smoke);
          result.cpuIdleAdopted = await cpuPercent(bench.pid, idleMs(smoke));
        }
        const victims = live.slice(0, endsPerRestart);
        const delays = await measureAdoptedEnds(bench, client, victims);
        live = live.slice(endsPerRestart).concat(await startSleepers(bench, client, endsPerRestart));
        const s = stats(delays);
        restart.endDetection.p99.push(s.p99);
        restart.endDetection.p50.push(s.p50);
        restart.endDetection.all.push(...delays);
        await empty.kill9();
        restart.emptyStartToServing.push(await empty.start());
        ctx.progress(
          `restart ${r + 1}/${repeats} with ${top} to adopt: start → serving ${restart.startToServing.at(-1).toFixed(0)} ms ` +
            `(empty ${restart.emptyStartToServing.at(-1).toFixed(0)} ms); adopted end → didChange p99 ${s.p99.toFixed(1)} ms`,
        );
      }
      restart.rssAfter = rssBytes(bench.pid);
    });
    if (ctx.pm2) {
      // tend's sleepers stay up: pm2's God daemon is measured on the same machine state.
      await step(result, ctx, 'pm2', async () => {
        const p = await pm2Idle(ctx.pm2, top, ctx.progress);
        result.pm2CpuIdle = p.cpu;
        result.pm2RssTop = p.rss;
        ctx.progress(
          `pm2's God daemon idle with ${top} processes: ${p.cpu.toFixed(2)} % of a core, RSS ${(p.rss / 2 ** 20).toFixed(1)} MiB ` +
            `(started in ${(p.startMs / 1000).toFixed(1)} s, all online ${(p.onlineMs / 1000).toFixed(1)} s later)`,
        );
      });
    }
    return result;
  } finally {
    spawner.close();
    await bench.cleanup();
    await empty.cleanup();
  }
}
