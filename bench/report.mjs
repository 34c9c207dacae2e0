// Turns the raw measurements into the rows of BENCHMARKS.md's table: each row has the
// figure, its value (median and min–max over repeats), the reference measured in
// the same run, the ratio, the target and whether it was met.
import { fmt, fmtSummary } from './report-row.mjs';
import { callRows } from './report-rows-calls.mjs';
import { scaleRows } from './report-rows-scale.mjs';

export { fmt, fmtSummary };

/**
 * Builds the rows from `raw` (the measurements by figure name; a figure that
 * failed or was skipped is absent and its rows say "not measured").
 */
export function buildRows(raw, options) {
  return [...callRows(raw, options), ...scaleRows(raw, options)];
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
