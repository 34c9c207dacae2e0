// Turns the raw measurements into the rows of BENCHMARKS.md's table: each row has the
// figure, its value (median and min–max over repeats), the reference measured in
// the same run, the ratio, the target and whether it was met.
import { MiB, summary } from './lib.mjs';

/** Per-repeat ratios a[i] / b[i]. */
const ratios = (a, b) => a.map((v, i) => v / b[i]).filter((v) => Number.isFinite(v));

const fmtNum = (v, digits) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** Formats a number of `unit` with sensible precision. */
export function fmt(v, unit) {
  if (!Number.isFinite(v)) return '–';
  switch (unit) {
    case 'ms':
      return `${fmtNum(v, v < 10 ? 2 : v < 100 ? 1 : 0)} ms`;
    case 'MiB':
      return `${fmtNum(v / MiB, 1)} MiB`;
    case '/s':
      return `${fmtNum(v, 0)}/s`;
    case 'B':
      return `${fmtNum(v, 0)} B`;
    case '×':
      return `${fmtNum(v, 2)}×`;
    case '%':
      return `${fmtNum(v, 1)} %`;
    default:
      return fmtNum(v, 2);
  }
}

/** "median (min–max)" of a summary. */
export function fmtSummary(s, unit) {
  if (!s || s.n === 0) return '–';
  if (s.n === 1 || s.min === s.max) return fmt(s.median, unit);
  return `${fmt(s.median, unit)} (${fmt(s.min, unit)}–${fmt(s.max, unit)})`;
}

/**
 * A row. `checks` are judged on medians:
 * - `{ratioMax: k}`: value/ref ≤ k (ref = refs[0] unless `ref` given)
 * - `{speedupMin: k, ref: i}`: ref/value ≥ k ("≥ k× faster than"), or value/ref ≥ k with `higherIsBetter`
 * - `{max: x}` / `{min: x}`: the value itself
 * - `{below: i}`: value < refs[i]
 */
function row({
  id,
  figure,
  unit,
  values,
  refs = [],
  target,
  checks = [],
  higherIsBetter = false,
  note,
  pending = false,
  noRatio = false,
}) {
  const value = summary(values);
  const refRows = refs.map((ref) => ({
    label: ref.label,
    value: summary(ref.values),
    ratio: summary(ratios(values, ref.values)),
    speedup: summary(ratios(ref.values, values)),
  }));
  const verdicts = checks.map((check) => {
    const ref = refRows[check.ref ?? 0];
    if (check.ratioMax !== undefined) return ref.ratio.median <= check.ratioMax;
    if (check.speedupMin !== undefined)
      return (higherIsBetter ? ref.ratio : ref.speedup).median >= check.speedupMin;
    if (check.below !== undefined) return value.median < refRows[check.below].value.median;
    if (check.max !== undefined) return value.median <= check.max;
    if (check.min !== undefined) return value.median >= check.min;
    throw new Error(`unknown check ${JSON.stringify(check)}`);
  });
  const measured = value.n > 0 && verdicts.every((v) => v !== undefined && !Number.isNaN(v));
  let status = 'info';
  if (checks.length > 0) status = !measured ? 'not measured' : verdicts.every(Boolean) ? 'met' : 'missed';
  if (pending && status !== 'met') status = `${status} (pending)`;
  return { id, figure, unit, value, refs: refRows, target, status, note, checks, verdicts, noRatio };
}

const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);

/**
 * Builds the rows from `raw` (the measurements by figure name; a figure that
 * failed or was skipped is absent and its rows say "not measured").
 */
export function buildRows(raw, { pm2 }) {
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
      values: get(tp, 'tend.perSec') ?? [],
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
      target: pm2 ? '≤ 1.3× minimal; ≥ 2.5× faster than pm2 ls' : '≤ 1.3× minimal (pm2 not run)',
      checks: pm2
        ? [
            { ratioMax: 1.3, ref: 0 },
            { speedupMin: 2.5, ref: 1 },
          ]
        : [{ ratioMax: 1.3, ref: 0 }],
      note: 'NODE_EXTRA_CA_CERTS unset',
    }),
  );
  if (ps) {
    rows.push(
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
  const exit = raw.exitNotify;
  rows.push(
    row({
      id: 'exit-own',
      figure: 'exit → `task/didChange` at a client, own child, p50 (wrapper exit → client)',
      unit: 'ms',
      values: exit?.own ?? [],
      target: '≤ 2 ms',
      checks: [{ max: 2 }],
      note: "command's last output → didChange, minus the same for a bare parent of the wrapper (the wrapper's sync+mv excluded)",
    }),
    row({
      id: 'exit-incl-wrapper',
      figure: "command's last output → `task/didChange`, own child, p50 (incl. the wrapper's fsync + mv)",
      unit: 'ms',
      values: exit?.tend ?? [],
      refs: [
        {
          label: "same wrapper under execa: last output → parent's exit event",
          values: exit?.reference ?? [],
        },
      ],
      target: 'info',
    }),
  );
  const live = raw.liveTasks;
  const restart = live?.restart;
  rows.push(
    row({
      id: 'adopted-end',
      figure: 'exit → detected, adopted task (after a daemon restart), p99',
      unit: 'ms',
      values: restart?.endDetection.p99 ?? [],
      target: '≤ 500 ms',
      checks: [{ max: 500 }],
      note: restart
        ? `${restart.endDetection.all.length} ends of adopted tasks, SIGTERM → didChange`
        : undefined,
    }),
    row({
      id: 'start-serving',
      figure: `daemon start → serving, with ${restart?.live ?? 1000} live tasks to adopt`,
      unit: 'ms',
      values: restart?.startToServing ?? [],
      refs: [{ label: 'daemon start → serving, empty store', values: restart?.emptyStartToServing ?? [] }],
      target: '≤ 1 s',
      checks: [{ max: 1000 }],
      note: 'spawn of `node daemon/dist/bin.js` until daemon.json is written (it listens first)',
    }),
  );
  if (live) {
    rows.push(
      row({
        id: 'cpu-idle',
        figure: `daemon CPU while idle with ${live.levels.at(-1)} live tasks: own children / adopted (after a restart)`,
        unit: '%',
        values: live.cpuIdleOwn !== undefined ? [live.cpuIdleOwn] : [],
        refs: [{ label: 'adopted', values: live.cpuIdleAdopted !== undefined ? [live.cpuIdleAdopted] : [] }],
        target: 'info',
        noRatio: true,
        note: 'adopted tasks are polled by the watchdog every 100 ms (pid, exit record; identity every 3rd tick)',
      }),
    );
  }
  const levels = live?.levels ?? [0, 100, 1000];
  const pm2Rss = ps?.pm2Rss;
  const rssTargets = { 0: 55, 100: 60, 1000: 120 };
  for (const level of levels) {
    const refs =
      level === 100 && pm2
        ? [{ label: "pm2's God daemon with the same 100", values: pm2Rss?.with100 ? [pm2Rss.with100] : [] }]
        : [];
    const checks = rssTargets[level] ? [{ max: rssTargets[level] * MiB }] : [];
    if (refs.length) checks.push({ below: 0 });
    rows.push(
      row({
        id: `rss-${level}`,
        figure: level === 0 ? 'daemon RSS idle' : `daemon RSS with ${level} running tasks`,
        unit: 'MiB',
        values: live?.rss?.[level] !== undefined ? [live.rss[level]] : [],
        refs,
        target: rssTargets[level] ? `≤ ${rssTargets[level]} MiB${refs.length ? ', below pm2' : ''}` : 'info',
        checks,
      }),
    );
  }
  rows.push(
    row({
      id: 'rss-leak',
      figure: `daemon RSS after ${tp?.rss?.tasksEnded ?? 10000} tasks have run and ended`,
      unit: 'MiB',
      values: tp?.rss?.quiet !== undefined ? [tp.rss.quiet - tp.rss.idle] : [],
      target: '≤ +10 MiB over idle',
      checks: [{ max: 10 * MiB }],
      note: tp?.rss
        ? `growth over the same daemon's idle RSS (${fmt(tp.rss.idle, 'MiB')}) after ${tp.rss.quietSec} s without work: ` +
          `${fmt(tp.rss.quiet, 'MiB')}; 3 s after the last task: ${fmt(tp.rss.after, 'MiB')} (V8 keeps its grown heap until its memory reducer runs)`
        : undefined,
    }),
  );
  rows.push(
    row({
      id: 'list-p50',
      figure: `\`task/list\` (limit 100) with ${tp?.list?.stored ?? 10000} ended tasks in the store, p50`,
      unit: 'ms',
      values: get(tp, 'list.p50') ?? [],
      refs: [{ label: 'daemon/status on the same daemon', values: get(tp, 'status.p50') ?? [] }],
      target: '≤ 5 ms',
      checks: [{ max: 5 }],
    }),
  );
  const follow = raw.follow;
  rows.push(
    row({
      id: 'follow-client',
      figure: 'follower latency, `TendClient.follow()` (long-polling reads), written → received, p50',
      unit: 'ms',
      values: follow?.client ?? [],
      refs: [{ label: 'fs.watch (inotify) on the log, in-process', values: follow?.inotify ?? [] }],
      target: '≤ 50 ms',
      checks: [{ max: 50 }],
    }),
    row({
      id: 'follow-cli',
      figure: 'follower latency, `tend logs -f`, written → received, p50',
      unit: 'ms',
      values: follow?.cli ?? [],
      refs: [{ label: 'fs.watch (inotify) on the log, in-process', values: follow?.inotify ?? [] }],
      target: '≤ 50 ms',
      checks: [{ max: 50 }],
    }),
  );
  // Growth rows (the chart's data), informative.
  if (rpc) {
    for (const c of rpc.concurrency.levels) {
      rows.push(
        row({
          id: `rpc-c${c}`,
          figure: `daemon/status p50 at ${c} concurrent client${c > 1 ? 's' : ''}`,
          unit: 'ms',
          values: rpc.concurrency.tend[c].values,
          refs: [
            {
              label: `bare vscode-jsonrpc, ${c} connection${c > 1 ? 's' : ''}`,
              values: rpc.concurrency.bare[c].values,
            },
          ],
          target: 'growth',
        }),
      );
    }
  }
  if (live) {
    for (const level of levels) {
      rows.push(
        row({
          id: `run-live-${level}`,
          figure: `\`task/run\` p50 with ${level} live tasks`,
          unit: 'ms',
          values: live.run[level],
          refs: [{ label: 'execa spawning the wrapper (same moment)', values: live.execa[level] }],
          target: 'growth',
        }),
      );
    }
  }
  return rows;
}

/**
 * tend ÷ reference, per repeat (median, and min–max with `range`). For times,
 * "N× slower" or "N× faster" (tend against the reference); else a plain factor.
 */
function ratioText(r, ref, range) {
  if (ref.value.n === 0 || r.value.n === 0 || r.unit === 'B' || r.noRatio || ref.ratio.n === 0) return '–';
  const show = (s) => (range ? fmtSummary(s, '×') : fmt(s.median, '×'));
  if (r.unit !== 'ms') return show(ref.ratio);
  return ref.ratio.median >= 1 ? `${show(ref.ratio)} slower` : `${show(ref.speedup)} faster`;
}

/** The rows as a Markdown table. */
export function markdownTable(rows) {
  const lines = [
    '| figure | value: median (min–max) | reference (median) | tend ÷ reference | target | status |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const refs = r.refs.map((ref) => `${ref.label}: ${fmtSummary(ref.value, r.unit)}`).join('<br>') || '—';
    const ratio = r.refs.map((ref) => ratioText(r, ref, true)).join('<br>') || '—';
    const status =
      r.status === 'met' ? '✅ met' : r.status.startsWith('missed') ? `❌ ${r.status}` : r.status;
    const figure = r.note ? `${r.figure}<br><sub>${r.note}</sub>` : r.figure;
    lines.push(
      `| ${figure} | ${fmtSummary(r.value, r.unit)} | ${refs} | ${ratio} | ${r.target} | ${status} |`,
    );
  }
  return lines.join('\n');
}

/** The rows as a plain-text table for the terminal. */
export function textTable(rows) {
  const cells = rows.map((r) => [
    r.figure.replace(/`/g, ''),
    fmtSummary(r.value, r.unit),
    r.refs.map((ref) => fmt(ref.value.median, r.unit)).join(' / ') || '—',
    r.refs.map((ref) => ratioText(r, ref, false)).join(' / ') || '—',
    r.target,
    r.status,
  ]);
  const head = ['figure', 'value (median, min–max)', 'ref (median)', 'ratio', 'target', 'status'];
  const widths = head.map((h, i) =>
    Math.min(i === 0 ? 70 : 60, Math.max(h.length, ...cells.map((c) => c[i].length))),
  );
  const line = (c) =>
    c
      .map((x, i) => (x.length > widths[i] ? `${x.slice(0, widths[i] - 1)}…` : x.padEnd(widths[i])))
      .join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
