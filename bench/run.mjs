// tend's benchmark suite (BENCHMARKS.md). Prints a table, writes
// bench/results/<date>.json and a growth chart bench/results/<date>.svg, and —
// after a complete full run — the table in BENCHMARKS.md. Asserts nothing by
// time: each row is marked met or missed; the exit code is non-zero only when a
// measurement could not be taken (so the smoke run keeps the suite from rotting).
//
// Usage: node bench/run.mjs [--smoke] [--repeats N] [--only rpc,taskRun,…] [--no-pm2]
//   --smoke   a few iterations, no pm2, ≤ 60 s (CI)
// Smaller sizes to try a figure out (its rows then say the size): TEND_BENCH_LIVE_TOP=N (liveTasks: levels
// 0, N/10, N instead of 0, 100, 1000), TEND_BENCH_THROUGHPUT_BATCH=N (throughput: 10 batches of N, not 1,000).
// The daemon and CLI measured are the release bundle (release/stage/dist, `pnpm bundle`) when it exists,
// else the workspace's dist; TEND_BENCH_BUILD=bundle|dist chooses (bench/lib.mjs BUILD).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { growthChart } from './chart.mjs';
import { measureBigOutput } from './figures/big-output.mjs';
import { measureCliPs } from './figures/cli-ps.mjs';
import { measureExitNotify } from './figures/exit-notify.mjs';
import { measureFollow } from './figures/follow.mjs';
import { measureLiveTasks } from './figures/live-tasks.mjs';
import { measureRpc } from './figures/rpc.mjs';
import { measureTaskRun } from './figures/task-run.mjs';
import { measureThroughput } from './figures/throughput.mjs';
import {
  BUILD,
  BenchDaemon,
  EXTRA_CA_CERTS_WAS_SET,
  findOurs,
  killOurs,
  now,
  ROOT,
  RUN_MARK,
  sleep,
} from './lib.mjs';
import { buildRows, markdownTable, textTable } from './report.mjs';

const FIGURES = {
  rpc: measureRpc,
  taskRun: measureTaskRun,
  exitNotify: measureExitNotify,
  follow: measureFollow,
  cliPs: measureCliPs,
  bigOutput: measureBigOutput,
  throughput: measureThroughput,
  liveTasks: measureLiveTasks,
};

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    repeats: { type: 'string' },
    only: { type: 'string' },
    'no-pm2': { type: 'boolean', default: false },
  },
});
const smoke = args.smoke;
const repeats = Number(args.repeats ?? (smoke ? 2 : 5));
const only = args.only ? args.only.split(',') : Object.keys(FIGURES);
for (const name of only)
  if (!FIGURES[name]) throw new Error(`unknown figure ${name}; known: ${Object.keys(FIGURES).join(', ')}`);
const usePm2 = !smoke && !args['no-pm2'];
const complete = !smoke && usePm2 && !args.only;

const t0 = now();
const log = (message) =>
  process.stderr.write(`[${((now() - t0) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);

let pm2;
let interrupted = false;
async function cleanupAll() {
  for (const bench of [...BenchDaemon.live]) await bench.cleanup().catch((e) => log(`cleanup: ${e.message}`));
  if (pm2) await pm2.cleanup().catch((e) => log(`pm2 cleanup: ${e.message}`));
  pm2 = undefined;
  await sleep(100);
  // Safety net: anything else still carrying this run's marker (there should be none).
  const left = findOurs();
  for (const pid of left) killOurs(pid);
  return left;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping what this run started`);
    void cleanupAll().then(() => process.exit(130));
  });
}

function machine() {
  const cpus = os.cpus();
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: ROOT }).toString().trim() !==
      '';
  } catch {
    // not a git checkout
  }
  return {
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadavg: os.loadavg().map((v) => +v.toFixed(2)),
    commit: dirty ? `${commit} (packages/ modified)` : commit,
    build:
      BUILD === 'bundle'
        ? 'release bundle (release/stage/dist)'
        : 'unbundled workspace dist (packages/*/dist)',
    nodeExtraCaCerts: EXTRA_CA_CERTS_WAS_SET
      ? 'was set; unset for every process the bench starts'
      : 'not set',
  };
}

const info = machine();
log(
  `tend bench ${smoke ? '(smoke) ' : ''}— ${info.nproc} × ${info.cpu}, ${info.memoryGiB} GiB, Node ${info.node}, ${info.kernel}; ` +
    `repeats ${repeats}; pm2 ${usePm2 ? 'on' : 'off'}; NODE_EXTRA_CA_CERTS ${info.nodeExtraCaCerts}; build: ${info.build}`,
);

const raw = {};
const errors = {};
const durations = {};
try {
  if (usePm2) {
    const { BenchPm2 } = await import('./pm2.mjs');
    pm2 = new BenchPm2();
    const ms = await pm2.connect();
    log(`pm2 God daemon pid ${pm2.godPid} started in ${ms.toFixed(0)} ms (PM2_HOME ${pm2.home})`);
  }
  const ctx = { smoke, repeats, pm2, progress: log };
  for (const name of only) {
    if (interrupted) break;
    const f0 = now();
    log(`— ${name}`);
    try {
      raw[name] = await FIGURES[name](ctx);
      // A figure whose sub-measures fail on their own (liveTasks) keeps the others' rows; the run still fails.
      const partErrors = Object.entries(raw[name]?.errors ?? {});
      if (partErrors.length > 0) {
        errors[name] = partErrors.map(([part, message]) => `${part}: ${message}`).join('\n');
        log(`${name}: ${partErrors.length} sub-measure(s) FAILED: ${errors[name]}`);
      }
    } catch (error) {
      errors[name] = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
      log(`${name} FAILED: ${errors[name]}`);
    }
    durations[name] = +((now() - f0) / 1000).toFixed(1);
  }
} finally {
  const left = await cleanupAll();
  if (left.length) log(`the final sweep killed ${left.length} leftover process(es): ${left.join(' ')}`);
  info.leftoverProcesses = left.length;
}
if (interrupted) process.exit(130);

info.loadavgEnd = os.loadavg().map((v) => +v.toFixed(2));
const rows = buildRows(raw, { pm2: usePm2, errors });
const table = textTable(rows);
process.stdout.write(`\n${table}\n\n`);
const missed = rows.filter((r) => r.status.startsWith('missed'));
log(
  `${rows.filter((r) => r.status === 'met').length} met, ${missed.length} missed, ${Object.keys(errors).length} failed; total ${((now() - t0) / 1000).toFixed(0)} s`,
);

const date = new Date().toISOString().slice(0, 10);
const stem = smoke ? `${date}-smoke` : args.only ? `${date}-partial` : date;
const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
const caption = `tend bench ${date}${smoke ? ' (smoke)' : ''} · ${info.nproc} × ${info.cpu} · Node ${info.node} · median of ${repeats} repeats, bars min–max`;
const svg = growthChart(raw, caption);
if (svg) writeFileSync(join(resultsDir, `${stem}.svg`), svg);
const result = {
  date: new Date().toISOString(),
  smoke,
  repeats,
  pm2: usePm2,
  machine: info,
  durationsSec: durations,
  rows: rows.map(({ checks, verdicts, ...r }) => r),
  errors,
  raw,
  runMark: RUN_MARK,
};
writeFileSync(join(resultsDir, `${stem}.json`), `${JSON.stringify(result, null, 1)}\n`);
log(`wrote bench/results/${stem}.json${svg ? ` and bench/results/${stem}.svg` : ''}`);

if (complete && Object.keys(errors).length === 0) {
  const mdPath = join(ROOT, 'BENCHMARKS.md');
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  const md = readFileSync(mdPath, 'utf8');
  const i = md.indexOf(begin);
  const j = md.indexOf(end);
  if (i >= 0 && j > i) {
    const block = [
      begin,
      `Run of ${date} at commit ${info.commit} (\`bench/results/${stem}.json\`), ${repeats} repeats, ${Object.values(
        durations,
      )
        .reduce((a, b) => a + b, 0)
        .toFixed(0)} s.`,
      '',
      `Machine: ${info.nproc} × ${info.cpu}, ${info.memoryGiB} GiB RAM, Node ${info.node}, ${info.kernel}; load average ${info.loadavg.join(' ')} at the start.`,
      `NODE_EXTRA_CA_CERTS: ${info.nodeExtraCaCerts}.`,
      `Build measured: ${info.build} (TEND_BENCH_BUILD=bundle|dist chooses).`,
      '',
      markdownTable(rows),
      '',
      `![how cost grows](bench/results/${stem}.svg)`,
      end,
    ].join('\n');
    writeFileSync(mdPath, md.slice(0, i) + block + md.slice(j + end.length));
    log('updated the table in BENCHMARKS.md');
  }
}
process.exit(Object.keys(errors).length > 0 ? 1 : 0);
