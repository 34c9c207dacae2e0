// Diagnostic: A/B of cold `tend ps` builds, interleaved in one run (the machine's load drifts), against
// the minimal client of the cliPs figure, with 100 live tasks in one daemon's store. Per variant: wall
// ms (median) and user + system CPU ms of the child (mean, and median; /proc/self/stat cutime + cstime, see
// childrenCpuMs in ../lib.mjs), and both as ratios to the minimal client of the same rounds.
// Usage: node bench/tools/ab-cli-ps.mjs [rounds=20] LABEL=CLI_FILE[,NODE_FLAG...] ...
//   e.g. node bench/tools/ab-cli-ps.mjs 30 main=/tmp/tend-stage-base/dist/tend.js new=release/stage/dist/tend.js
//        new-flags=release/stage/dist/tend.js,--max-semi-space-size=1
// ARGS="ps --stats" runs other arguments than `ps`.
import { resolve } from 'node:path';
import { PROTOCOL_VERSION } from '@tend/protocol';
import { startSleepers } from '../adoption.mjs';
import { timed } from '../figures/cli-ps.mjs';
import { BenchDaemon, median } from '../lib.mjs';

const argv = process.argv.slice(2);
const rounds = /^\d+$/.test(argv[0] ?? '') ? Number(argv.shift()) : 20;
const psArgs = (process.env.ARGS ?? 'ps').split(' ').filter(Boolean);
const variants = [
  { label: 'minimal', argv: [resolve(import.meta.dirname, '..', 'ref', 'minimal-client.mjs')] },
  ...argv.map((spec) => {
    const eq = spec.indexOf('=');
    const [file, ...flags] = spec.slice(eq + 1).split(',');
    return { label: spec.slice(0, eq), argv: [...flags, resolve(file), ...psArgs] };
  }),
];
const bench = new BenchDaemon();
try {
  await bench.start();
  const client = await bench.client('ab');
  await startSleepers(bench, client, 100);
  await client.close();
  const env = { ...bench.env, TEND_PROTOCOL: String(PROTOCOL_VERSION) };
  const results = new Map(variants.map((v) => [v.label, { ms: [], cpu: [] }]));
  // One warm-up run each (page cache), then rounds in a rotating order.
  for (const v of variants) await timed([process.execPath, ...v.argv], env);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(r + i) % variants.length];
      const { ms, cpuMs } = await timed([process.execPath, ...v.argv], env);
      results.get(v.label).ms.push(ms);
      results.get(v.label).cpu.push(cpuMs);
    }
  }
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const base = results.get('minimal');
  for (const [label, { ms, cpu }] of results) {
    // Per-round ratios to the minimal client, so a load swing hits both sides of each ratio.
    const wallRatios = ms.map((m, i) => m / base.ms[i]);
    console.log(
      `${label.padEnd(14)} wall p50 ${median(ms).toFixed(1).padStart(6)} ms (×${median(wallRatios).toFixed(2)} minimal)` +
        `  cpu mean ${mean(cpu).toFixed(1).padStart(6)} ms (×${(mean(cpu) / mean(base.cpu)).toFixed(2)} minimal)` +
        `  cpu p50 ${median(cpu).toFixed(1).padStart(6)} ms`,
    );
  }
} finally {
  await bench.cleanup();
}
