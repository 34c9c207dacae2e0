// Rows of the request figures: round trips, task/run, throughput, `tend ps`, big output.
import { MiB, summary } from './lib.mjs';
import { fmt, fmtSummary, get, row } from './report-row.mjs';

/** The rows of the request figures from `raw` (see buildRows in report.mjs). */
export function callRows(raw, { pm2 }) {
  const rows = [];
  const rpc = raw.rpc;
  rows.push(
    row({
      id: 'rpc-p50',
      figure: 'daemon/status round trip via TendClient, p50',
      unit: 'ms',
      values: get(rpc, 'sequential.tend.p50') ?? [],
      refs: [
        { label: 'bare vscode-jsonrpc request, Unix socket', values: get(rpc, 'sequential.bare.p50') ?? [] },
      ],
      target: '≤ 2× ref',
      checks: [{ ratioMax: 2 }],
    }),
    row({
      id: 'rpc-p99',
      figure: 'daemon/status round trip via TendClient, p99',
      unit: 'ms',
      values: get(rpc, 'sequential.tend.p99') ?? [],
      refs: [
        { label: 'bare vscode-jsonrpc request, Unix socket', values: get(rpc, 'sequential.bare.p99') ?? [] },
      ],
      target: '≤ 2× ref',
      checks: [{ ratioMax: 2 }],
    }),
  );
  const run = raw.taskRun;
  const runRefs = [{ label: 'execa spawning the wrapper, output to a file', values: run?.execa ?? [] }];
  if (pm2) runRefs.push({ label: "pm2's programmatic pm2.start", values: run?.pm2 ?? [] });
  rows.push(
    row({
      id: 'run-p50',
      figure: '`task/run` until `running`, via TendClient, p50',
      unit: 'ms',
      values: run?.tend ?? [],
      refs: runRefs,
      target: pm2 ? '≤ 1.5× execa; ≥ 5× faster than pm2.start' : '≤ 1.5× execa (pm2 not run)',
      checks: pm2
        ? [
            { ratioMax: 1.5, ref: 0 },
            { speedupMin: 5, ref: 1 },
          ]
        : [{ ratioMax: 1.5, ref: 0 }],
    }),
  );
  const tp = raw.throughput;
  rows.push(
    row({
      id: 'throughput',
      figure: `${tp?.batchSize ?? 1000} short tasks (\`true\`) started by 4 concurrent clients`,
      unit: '/s',
      // The batches paired with an execa batch (the first `repeats` of the 10; every batch before 2026-12-01).
      values: (get(tp, 'tend.perSec') ?? []).slice(0, get(tp, 'execa.perSec')?.length ?? 0),
      refs: [{ label: 'execa spawning them in one process', values: get(tp, 'execa.perSec') ?? [] }],
      target: '≥ 0.5× ref',
      checks: [{ speedupMin: 0.5 }],
      higherIsBetter: true,
    }),
  );
  const ps = raw.cliPs;
  const psRefs = [{ label: 'minimal Node program: connect, one request, print', values: ps?.minimal ?? [] }];
  if (pm2) psRefs.push({ label: '`pm2 ls` with 100 processes', values: ps?.pm2Ls ?? [] });
  rows.push(
    row({
      id: 'cli-ps',
      figure: '`tend ps` from a cold CLI process, 100 tasks in the store, wall',
      unit: 'ms',
      values: ps?.tend ?? [],
      refs: psRefs,
      // Issue 13: ≤ 1.5× the minimal client; pm2 ls stays as a reference beside it.
      target: pm2 ? '≤ 1.5× minimal (pm2 ls: reference)' : '≤ 1.5× minimal (pm2 not run)',
      checks: [{ ratioMax: 1.5, ref: 0 }],
      note: 'NODE_EXTRA_CA_CERTS unset',
    }),
  );
  if (ps) {
    rows.push(
      row({
        id: 'cli-ps-cpu',
        figure:
          '`tend ps` from a cold CLI process, 100 tasks in the store, CPU (user + system of the process)',
        unit: 'ms',
        values: ps.tendCpu ?? [],
        refs: [{ label: 'minimal Node program: connect, one request, print', values: ps.minimalCpu ?? [] }],
        // The wall row's target judged on CPU, which waiting for a busy machine's cores does not inflate.
        target: 'info (the 1.5× of the wall row, on CPU)',
        note: "mean of each repeat's runs; /proc/self/stat cutime + cstime around each child (10 ms ticks)",
      }),
      row({
        id: 'cli-ps-stats',
        figure: '`tend ps --stats` (CPU, MEM, PORTS) from a cold CLI process, 100 live tasks, wall',
        unit: 'ms',
        values: ps.tendStats ?? [],
        refs: [{ label: 'minimal Node program: connect, one request, print', values: ps.minimal }],
        target: 'info',
        note: 'one more call than `tend ps`: task/stats of the live tasks',
      }),
      row({
        id: 'cli-ps-parts',
        figure:
          'parts of `tend ps`: node -e 0 / import @tend/protocol / import @tend/client (cold processes, wall)',
        unit: 'ms',
        values: ps.nodeBare,
        refs: [
          { label: 'node importing @tend/protocol', values: ps.protocolImport },
          { label: 'node importing @tend/client', values: ps.clientImport },
        ],
        target: 'info',
        noRatio: true,
        note:
          `\`tend ps\` = node start + imports + task/list + task/stats + table. With 100 live tasks, from a warm client: ` +
          `task/list p50 ${fmt(ps.warmListP50, 'ms')}, task/stats p50 ${fmt(ps.warmStatsP50, 'ms')} (the daemon's first: ${fmt(ps.firstStatsMs, 'ms')})`,
      }),
    );
  }
  const big = raw.bigOutput;
  const mb = big ? `${big.bytes / MiB} MiB` : '200 MiB';
  rows.push(
    row({
      id: 'output-time',
      figure: `a task writing ${mb} to stdout: until its log holds every byte`,
      unit: 'ms',
      values: get(big, 'tend.ms') ?? [],
      refs: [
        { label: 'the same command redirected to a file by the shell', values: get(big, 'shell.ms') ?? [] },
      ],
      target: '≤ 1.1× ref',
      checks: [{ ratioMax: 1.1 }],
      note: big
        ? `log polled every 10 ms; until the task has ended (task/wait answered): ${fmtSummary(summary(big.tend.endMs), 'ms')}`
        : undefined,
    }),
    row({
      id: 'output-lost',
      figure: `bytes lost of ${mb}, per run (tend)`,
      unit: 'B',
      values: get(big, 'tend.lost') ?? [],
      refs: pm2 ? [{ label: 'pm2 (its log file), per run', values: get(big, 'pm2.lost') ?? [] }] : [],
      target: '0',
      checks: [{ max: 0 }],
      note:
        big && pm2
          ? `pm2 lost bytes in ${big.pm2.lost.filter((v) => v > 0).length} of ${big.pm2.lost.length} runs`
          : undefined,
    }),
  );
  return rows;
}
