// One daemon grown from 0 to 100 to 1,000 live tasks (`exec sleep 3600`): its
// RSS at each level (measured on the way up, before anything else runs in it),
// then the task/run p50 at each level (on the way down, stopping sleepers);
// then, with 1,000 live again, SIGKILL and restart it with them to adopt
// (start → serving, against an empty daemon's), and the delay from an adopted
// task's end to task/didChange.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureAdoptedEnds, startSleepers } from '../adoption.mjs';
import { BenchDaemon, cpuPercent, now, pool, rssBytes, stats } from '../lib.mjs';
import { RefSpawner } from '../ref/spawner-client.mjs';
import { runLatencies } from './task-run.mjs';
import { settledRss } from './throughput.mjs';

/** How long idle daemon CPU is measured, in ms: 10 s gives a resolution of 0.1 % of a core (10 ms clock ticks). */
const idleMs = (smoke) => (smoke ? 2000 : 10_000);

/** Lets the daemon finish what the last requests started (GC, timers) before idle CPU is measured. */
const settle = (smoke) => new Promise((resolve) => setTimeout(resolve, smoke ? 500 : 2000));

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
 * Ends `tasks` (SIGKILL through task/kill, then task/wait), 50 at a time, stops tracking them and adds
 * their ids to `ended`. The level reached is the same as one at a time, which took 0.65–1.5 s per task
 * with 100–400 live on the busy 2-core machine (each end costs the daemon a pass over /proc); 50 at a
 * time took 1.9–2.4× less (2026-12-01, 100 tasks per try, interleaved).
 */
async function killTasks(bench, client, tasks, ended) {
  await pool(tasks.length, 50, async (i) => {
    await client.kill(tasks[i].id, { signal: 'SIGKILL' });
    await client.wait(tasks[i].id);
    bench.untrack(tasks[i]);
    ended.add(tasks[i].id);
  });
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
  const bench = new BenchDaemon();
  const empty = new BenchDaemon();
  const spawner = new RefSpawner();
  try {
    // Room for the top level: the default maxLiveTasks (128) would refuse the 129th sleeper.
    mkdirSync(join(bench.home, 'config'), { recursive: true });
    writeFileSync(join(bench.home, 'config', 'config.json'), JSON.stringify({ maxLiveTasks: top + 100 }));
    // The empty daemon's first start overlaps the growing daemon's (it is only timed from its restarts on).
    const emptyStarted = empty.start();
    await bench.start();
    await emptyStarted;
    let client = await bench.client('live');
    await client.status();
    const result = { levels, rss: {}, run: {}, execa: {}, runCount, errors: {}, stepSec: {} };
    let live = [];
    // Tasks the figure ended: a sub-measure that failed half-way leaves `live` to be corrected with it.
    const ended = new Set();
    const stillLive = () => live.filter((task) => !ended.has(task.id));
    // RSS first, growing: nothing but starting the sleepers has run in this daemon yet.
    await step(result, ctx, 'rss', async () => {
      for (const level of levels) {
        live = live.concat(await startSleepers(bench, client, level - live.length));
        result.rss[level] = await settledRss(bench.pid, { settleMs: smoke ? 500 : 1500 });
        ctx.progress(`${level} live tasks: daemon RSS ${(result.rss[level] / 2 ** 20).toFixed(1)} MiB`);
      }
    });
    // task/run latencies, shrinking: stop sleepers (SIGKILL through task/kill) to go down a level.
    await step(result, ctx, 'run', async () => {
      for (const level of [...levels].reverse()) {
        if (live.length < level) live = live.concat(await startSleepers(bench, client, level - live.length));
        await killTasks(bench, client, live.slice(level), ended);
        live = live.slice(0, level);
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
    await step(result, ctx, 'cpuIdleOwn', async () => {
      live = stillLive();
      live = live.concat(await startSleepers(bench, client, top - live.length));
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
      live = stillLive();
      if (live.length < top) live = live.concat(await startSleepers(bench, client, top - live.length));
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
