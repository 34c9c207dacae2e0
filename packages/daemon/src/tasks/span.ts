const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/**
 * A duration for reasons and log lines, in the units the CLI's `--timeout`/`--ttl` accept: `2h`, `1h30m`,
 * `60s`… down to `ms` (`2s500ms`, `300ms`); `0ms` for 0.
 * @param ms a whole, non-negative number of milliseconds (fractions are rounded).
 */
export function formatSpan(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return '0ms';
  let text = '';
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count === 0) continue;
    text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}
