// Diagnostic: A/B of node flags for the daemon, interleaved in one run (the
// machine's load drifts): task/run p50 and RSS, for a daemon with no extra flags
// and one with FLAGS.  Usage: node bench/tools/ab-daemon-flags.mjs "FLAGS" [rounds=6] [runs=40]
import { BenchDaemon, rssBytes, stats } from '../lib.mjs';
import { runLatencies } from '../figures/task-run.mjs';

const flags = (process.argv[2] ?? '').split(' ').filter(Boolean);
const rounds = Number(process.argv[3] ?? 6);
const runs = Number(process.argv[4] ?? 40);
const a = new BenchDaemon({ nodeArgs: [] });
const b = new BenchDaemon({ nodeArgs: flags });
try {
  await a.start();
  await b.start();
  const ca = await a.client();
  const cb = await b.client();
  const out = { a: [], b: [] };
  for (let r = 0; r < rounds; r++) {
    out.a.push(stats(await runLatencies(ca, a.home, runs)).p50);
    out.b.push(stats(await runLatencies(cb, b.home, runs)).p50);
    console.log(
      `round ${r + 1}: none ${out.a.at(-1).toFixed(2)} ms rss ${(rssBytes(a.pid) / 2 ** 20).toFixed(1)} | ${flags.join(' ')} ${out.b.at(-1).toFixed(2)} ms rss ${(rssBytes(b.pid) / 2 ** 20).toFixed(1)}`,
    );
  }
  console.log(`median p50: none ${stats(out.a).p50.toFixed(2)} ms, flags ${stats(out.b).p50.toFixed(2)} ms`);
} finally {
  await a.cleanup();
  await b.cleanup();
}
