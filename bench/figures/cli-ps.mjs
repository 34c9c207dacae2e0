// `tend ps` from a cold CLI process with 100 live tasks in the store, against a
// minimal Node program that asks the daemon for the same list, and against
// `pm2 ls` with 100 processes (whose God daemon's RSS is measured here too);
// also `tend ps --stats` (CPU, memory and ports: one more call, task/stats).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@tend/protocol';
import { startSleepers } from '../adoption.mjs';
import { BenchDaemon, CLI_BIN, ROOT, childrenCpuMs, now, rssBytes, stats } from '../lib.mjs';
import { settledRss } from './throughput.mjs';

const MINIMAL = join(import.meta.dirname, '..', 'ref', 'minimal-client.mjs');

/**
 * Runs `argv` to its exit; resolves with `{ms, cpuMs, stdout}` (rejects on a non-zero exit): wall ms from
 * spawn to close, and the child's user + system CPU in ms (to ±10 ms, see childrenCpuMs; meant to be
 * averaged over runs, one at a time: children that end meanwhile would count too).
 */
export function timed(argv, env, { cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const cpu0 = childrenCpuMs();
    const t0 = now();
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = now() - t0;
      const cpuMs = childrenCpuMs() - cpu0;
      if (code !== 0)
        reject(
          new Error(`${argv.join(' ')} exited with ${code}: ${Buffer.concat(err).toString().slice(0, 500)}`),
        );
      else resolve({ ms, cpuMs, stdout: Buffer.concat(out).toString() });
    });
  });
}

/**
 * @returns per-repeat medians of wall ms `{tend[], tendStats[], minimal[], pm2Ls[], nodeBare[], protocolImport[]}`,
 *   per-repeat means of CPU ms (user + system of the child) `{tendCpu[], minimalCpu[]}`, plus
 *   `pm2Rss: {idle, with100}` (bytes) when pm2 runs, and `tasks` (live tasks in the store).
 */
export async function measureCliPs(ctx) {
  const { repeats, smoke, pm2 } = ctx;
  const nTasks = 100;
  const perRepeat = smoke ? 2 : 5;
  const bench = new BenchDaemon();
  try {
    await bench.start();
    const client = await bench.client('ps');
    const sleepers = await startSleepers(bench, client, nTasks);
    // What `tend ps` asks the daemon, timed from a warm client: task/list, and task/stats (CPU, RSS, ports) of the live tasks.
    const daemonSide = { list: [], stats: [] };
    let t0 = now();
    if (typeof client.stats === 'function') await client.stats(sleepers.map((t) => t.id));
    const firstStatsMs = now() - t0;
    for (let i = 0; i < 20; i++) {
      t0 = now();
      await client.list({ state: ['starting', 'running', 'stopping'], limit: 1000 });
      daemonSide.list.push(now() - t0);
      t0 = now();
      if (typeof client.stats === 'function') await client.stats(sleepers.map((t) => t.id));
      daemonSide.stats.push(now() - t0);
    }
    await client.close();
    const env = { ...bench.env, TEND_PROTOCOL: String(PROTOCOL_VERSION) };
    const node = process.execPath;
    const first = await timed([node, CLI_BIN, 'ps'], env);
    const rows = first.stdout.trim().split('\n').length - 1;
    if (rows !== nTasks) throw new Error(`tend ps printed ${rows} rows, expected ${nTasks}`);
    const minimalFirst = await timed([node, MINIMAL], env);
    if (JSON.parse(minimalFirst.stdout).tasks?.length !== nTasks)
      throw new Error(`minimal client got: ${minimalFirst.stdout.slice(0, 300)}`);
    const result = {
      tasks: nTasks,
      perRepeat,
      tend: [],
      tendStats: [],
      minimal: [],
      pm2Ls: [],
      nodeBare: [],
      protocolImport: [],
      clientImport: [],
      tendCpu: [],
      minimalCpu: [],
      warmListP50: stats(daemonSide.list).p50,
      warmStatsP50: stats(daemonSide.stats).p50,
      firstStatsMs,
    };
    if (pm2) {
      result.pm2Rss = { idle: await settledRss(pm2.godPid, { settleMs: 500 }) };
      for (let i = 0; i < nTasks; i++) {
        const dir = join(pm2.home, 'apps', String(i));
        mkdirSync(dir, { recursive: true });
        await pm2.start(`sleeper-${i}`, ['-c', 'exec sleep 3600'], { outFile: join(dir, 'out.log') });
      }
      const online = (await pm2.list()).filter((p) => p.status === 'online').length;
      if (online !== nTasks) throw new Error(`pm2 reports ${online} online, expected ${nTasks}`);
      result.pm2Rss.with100 = await settledRss(pm2.godPid, { settleMs: 1500 });
      await pm2.lsWall();
    }
    const protocolEntry = join(ROOT, 'packages/protocol/dist/index.js');
    const clientEntry = join(ROOT, 'packages/client/dist/index.js');
    for (let r = 0; r < repeats; r++) {
      const t = {
        tend: [],
        tendStats: [],
        minimal: [],
        pm2Ls: [],
        nodeBare: [],
        protocolImport: [],
        clientImport: [],
      };
      // CPU: summed over the repeat's runs (each reading is to ±10 ms, see childrenCpuMs), mean per run.
      const cpu = { tend: 0, minimal: 0 };
      for (let i = 0; i < perRepeat; i++) {
        const tend = await timed([node, CLI_BIN, 'ps'], env);
        t.tend.push(tend.ms);
        cpu.tend += tend.cpuMs;
        t.tendStats.push((await timed([node, CLI_BIN, 'ps', '--stats'], env)).ms);
        const minimal = await timed([node, MINIMAL], env);
        t.minimal.push(minimal.ms);
        cpu.minimal += minimal.cpuMs;
        if (pm2) t.pm2Ls.push(await pm2.lsWall());
        t.nodeBare.push((await timed([node, '-e', '0'], env)).ms);
        t.protocolImport.push(
          (
            await timed(
              [node, '--input-type=module', '-e', `await import(${JSON.stringify(protocolEntry)})`],
              env,
            )
          ).ms,
        );
        t.clientImport.push(
          (
            await timed(
              [node, '--input-type=module', '-e', `await import(${JSON.stringify(clientEntry)})`],
              env,
            )
          ).ms,
        );
      }
      for (const key of Object.keys(t)) if (t[key].length) result[key].push(stats(t[key]).p50);
      result.tendCpu.push(cpu.tend / perRepeat);
      result.minimalCpu.push(cpu.minimal / perRepeat);
      ctx.progress(
        `tend ps repeat ${r + 1}/${repeats}: tend ${result.tend.at(-1).toFixed(0)} ms (CPU ${result.tendCpu.at(-1).toFixed(0)}), ` +
          `minimal ${result.minimal.at(-1).toFixed(0)} ms (CPU ${result.minimalCpu.at(-1).toFixed(0)})` +
          (pm2 ? `, pm2 ls ${result.pm2Ls.at(-1).toFixed(0)} ms` : '') +
          ` (node -e 0: ${result.nodeBare.at(-1).toFixed(0)} ms, import @tend/protocol: ${result.protocolImport.at(-1).toFixed(0)} ms)`,
      );
    }
    result.daemonRss100 = rssBytes(bench.pid);
    return result;
  } finally {
    await bench.cleanup();
  }
}
