// One row of the benchmark table: a figure's value over the repeats, the
// references measured in the same run, the ratios, and the verdict of its checks.
import { MiB, summary } from './lib.mjs';

/** Per-repeat ratios a[i] / b[i]. */
const ratios = (a, b) => a.map((v, i) => v / b[i]).filter((v) => Number.isFinite(v));

/**
 * A row. `checks` are judged on medians:
 * - `{ratioMax: k}`: value/ref ≤ k (ref = refs[0] unless `ref` given)
 * - `{speedupMin: k, ref: i}`: ref/value ≥ k ("≥ k× faster than"), or value/ref ≥ k with `higherIsBetter`
 * - `{max: x}` / `{min: x}`: the value itself
 * - `{below: i}`: value < refs[i]
 * `error`: why the figure (or the part of it this row needs) was not measured; a row that is not
 * fully measured carries it in `error` and at the end of its note.
 */
export function row({
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
  error,
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
  const incomplete = value.n === 0 || refRows.some((r) => r.value.n === 0);
  const rowError = incomplete && error ? String(error).split('\n')[0] : undefined;
  if (rowError) note = note ? `${note}; not measured: ${rowError}` : `not measured: ${rowError}`;
  return {
    id,
    figure,
    unit,
    value,
    refs: refRows,
    target,
    status,
    note,
    error: rowError,
    checks,
    verdicts,
    noRatio,
  };
}

/** The value at a dotted `path` of `obj` (undefined when a step is missing). */
export const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);

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
