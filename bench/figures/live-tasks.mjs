// One daemon grown from 0 to 100 to 1,000 live tasks (`exec sleep 3600`): its
// RSS at each level (measured on the way up, before anything else runs in it),
// then the task/run p50 at each level (on the way down, stopping sleepers);
// then, with 1,000 live again, SIGKILL and restart it with them to adopt
// (start → serving, against an empty daemon's), and the delay from an adopted
// task's end to task/didChange.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureAdoptedEnds, startSleepers } from '../adoption.mjs';
import { BenchDaemon, cpuPercent, pool, rssBytes, stats } from '../lib.mjs';
import { RefSpawner } from '../ref/spawner-client.mjs';
import { runLatencies } from './task-run.mjs';
import { settledRss } from './throughput.mjs';

/** How long idle daemon CPU is measured, in ms: 10 s gives a resolution of 0.1 % of a core (10 ms clock ticks). */
const idleMs = (smoke) => (smoke ? 2000 : 10_000);

/** Lets the daemon finish what the last requests started (GC, timers) before idle CPU is measured. */
const settle = (smoke) => new Promise((resolve) => setTimeout(resolve, smoke ? 500 : 2000));

/**
 * CPU of pm2's God daemon while idle with `n` apps of its own (`/bin/sh -c 'exec sleep 3600'`, as tend's
 * sleepers), in % of a core over {@link idleMs}; deletes them afterwards. Apps other figures left in pm2
 * (cli-ps's 100, whose `sleep` may have ended by now) are not counted.
 * @throws Error when fewer than `n` of its apps are online.
 */
async function pm2IdleCpu(pm2, n) {
  const names = Array.from({ length: n }, (_, i) => `idle-sleeper-${i}`);
  try {
    await pool(names.length, 8, (i) => pm2.start(names[i], ['-c', 'exec sleep 3600']));
    const own = new Set(names);
    const online = (await pm2.list()).filter((p) => own.has(p.name) && p.status === 'online').length;
    if (online < n) throw new Error(`pm2 reports ${online} of its ${n} idle apps online`);
    await settle(false);
    return await cpuPercent(pm2.godPid, idleMs(false));
  } finally {
    await pool(names.length, 8, (i) => pm2.delete(names[i]).catch(() => {}));
  }
}

/**
 * @returns `{levels, rss: {level: bytes}, run: {level: p50[]}, execa: {level: p50[]},
 *   restart: {live, startToServing[], emptyStartToServing[], endDetection: {p99[], all}, rssAdopted},
 *   cpuIdleOwn, cpuIdleAdopted, pm2CpuIdle (when pm2 runs)}`, CPU in % of one core
 */
export async function measureLiveTasks(ctx) {
  const { repeats, smoke } = ctx;
  const levels = smoke ? [0, 20, 100] : [0, 100, 1000];
  const runCount = smoke ? 10 : 40;
  const endsPerRestart = smoke ? 5 : 10;
  const bench = new BenchDaemon();
  const empty = new BenchDaemon();
  const spawner = new RefSpawner();
  try {
    // Room for the top level: the default maxLiveTasks (128) would refuse the 129th sleeper.
    mkdirSync(join(bench.home, 'config'), { recursive: true });
    writeFileSync(
      join(bench.home, 'config', 'config.json'),
      JSON.stringify({ maxLiveTasks: levels.at(-1) + 100 }),
    );
    await bench.start();
    let client = await bench.client('live');
    await client.status();
    const result = { levels, rss: {}, run: {}, execa: {}, runCount };
    let live = [];
    // RSS first, growing: nothing but starting the sleepers has run in this daemon yet.
    for (const level of levels) {
      live = live.concat(await startSleepers(bench, client, level - live.length));
      result.rss[level] = await settledRss(bench.pid, { settleMs: smoke ? 500 : 1500 });
      ctx.progress(`${level} live tasks: daemon RSS ${(result.rss[level] / 2 ** 20).toFixed(1)} MiB`);
    }
    // task/run latencies, shrinking: stop sleepers (SIGKILL through task/kill) to go down a level.
    for (const level of [...levels].reverse()) {
      const extra = live.slice(level);
      live = live.slice(0, level);
      for (const task of extra) {
        await client.kill(task.id, { signal: 'SIGKILL' });
        await client.wait(task.id);
        bench.untrack(task);
      }
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
    live = live.concat(await startSleepers(bench, client, levels.at(-1) - live.length));
    await settle(smoke);
    result.cpuIdleOwn = await cpuPercent(bench.pid, idleMs(smoke));
    // Restart with every live task to adopt; replenish the ones ended for the end-detection figure.
    const top = levels.at(-1);
    const restart = {
      live: top,
      startToServing: [],
      emptyStartToServing: [],
      endDetection: { p99: [], p50: [], all: [] },
    };
    await empty.start();
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
    result.restart = restart;
    if (ctx.pm2) {
      // pm2's reference must not cost tend's own figures: a failure is reported, not thrown.
      try {
        result.pm2CpuIdle = await pm2IdleCpu(ctx.pm2, top);
        ctx.progress(
          `pm2's God daemon idle with ${top} processes: ${result.pm2CpuIdle.toFixed(2)} % of a core`,
        );
      } catch (error) {
        ctx.progress(`pm2's idle CPU not measured: ${error.message}`);
      }
    }
    return result;
  } finally {
    spawner.close();
    await bench.cleanup();
    await empty.cleanup();
  }
}
