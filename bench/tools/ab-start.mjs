// Diagnostic: A/B of daemon start-up between two release stages, interleaved in one run (the machine's
// load drifts): start → serving with an empty store (restarted after SIGKILL, as live-tasks.mjs's
// "empty store" row), the daemon's CPU time until it serves (all threads, /proc/<pid>/task/*/schedstat),
// and its settled RSS once a client has connected (the "daemon RSS idle" row).
// Usage: node bench/tools/ab-start.mjs <stageA> <stageB> [rounds=8]
//   (a stage is a release/stage directory, e.g. a copy of main's made before a change; both may be the same)
//   TEND_AB_FLAGS_A / TEND_AB_FLAGS_B, when set, replace the daemon's node flags (DAEMON_NODE_FLAGS) of A / B,
//   e.g. TEND_AB_FLAGS_B=" " for none.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchDaemon, stats } from '../lib.mjs';
import { settledRss } from '../figures/throughput.mjs';

/** A BenchDaemon that runs the daemon of the given stage; start() also gives its CPU time until it served. */
class StageDaemon extends BenchDaemon {
  constructor(stage, flags) {
    const daemonBin = join(resolve(stage), 'dist', 'tend-daemon.js');
    if (!existsSync(daemonBin)) throw new Error(`${daemonBin} is missing`);
    super({ daemonBin });
    if (flags !== undefined) this.nodeArgs = flags.split(' ').filter(Boolean);
  }

  /** Spawns the daemon; resolves with `{ms, cpuMs}` once daemon.json exists. */
  async start() {
    const ms = await super.start();
    return { ms, cpuMs: cpuMs(this.pid) };
  }
}

/** CPU time of every thread of `pid` so far, in ms (schedstat: ns on the CPU). */
function cpuMs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e6;
}

const [stageA, stageB] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] ?? 8);
if (!stageA || !stageB) throw new Error('usage: ab-start.mjs <stageA> <stageB> [rounds]');
const daemons = {
  A: new StageDaemon(stageA, process.env.TEND_AB_FLAGS_A),
  B: new StageDaemon(stageB, process.env.TEND_AB_FLAGS_B),
};
const out = { A: { ms: [], cpuMs: [], rss: [] }, B: { ms: [], cpuMs: [], rss: [] } };
try {
  // First start creates the database; the measured ones restart on it after a SIGKILL.
  for (const d of Object.values(daemons)) {
    await d.start();
    await d.kill9();
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    for (const name of order) {
      const d = daemons[name];
      const s = await d.start();
      out[name].ms.push(s.ms);
      out[name].cpuMs.push(s.cpuMs);
      const client = await d.client('ab');
      await client.status();
      out[name].rss.push(await settledRss(d.pid, { settleMs: 1500 }));
      await client.close();
      d.clients = [];
      await d.kill9();
    }
    const line = (n) =>
      `${n} ${out[n].ms.at(-1).toFixed(0)} ms (cpu ${out[n].cpuMs.at(-1).toFixed(0)} ms) rss ${(out[n].rss.at(-1) / 2 ** 20).toFixed(1)} MiB`;
    console.log(`round ${r + 1}: ${line('A')} | ${line('B')}`);
  }
  const fmt = (v, unit, scale = 1) => {
    const s = stats(v.map((x) => x / scale));
    return `p50 ${s.p50.toFixed(1)} ${unit} [${Math.min(...v.map((x) => x / scale)).toFixed(1)}–${Math.max(...v.map((x) => x / scale)).toFixed(1)}]`;
  };
  for (const n of ['A', 'B'])
    console.log(
      `${n} (${n === 'A' ? stageA : stageB}): start ${fmt(out[n].ms, 'ms')}; cpu ${fmt(out[n].cpuMs, 'ms')}; rss ${fmt(out[n].rss, 'MiB', 2 ** 20)}`,
    );
  const ratio = (k) => stats(out.B[k]).p50 / stats(out.A[k]).p50;
  console.log(
    `B/A p50: start ${ratio('ms').toFixed(2)}, cpu ${ratio('cpuMs').toFixed(2)}, rss ${ratio('rss').toFixed(2)}`,
  );
} finally {
  for (const d of Object.values(daemons)) await d.cleanup();
}
