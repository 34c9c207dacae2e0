/**
 * Writes `text` (or bytes) to stdout as-is (no newline added). Returns once it
 * was handed to the OS, so that large outputs are paced by a slow reader.
 */
export function writeOut(text: string | Uint8Array): Promise<void> {
  if (text.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

/** Writes one line (newline added) to stdout. */
export function printLine(line: string): Promise<void> {
  return writeOut(`${line}\n`);
}

/** Prints `value` as one pretty JSON document (2-space indent) on stdout. */
export function printJson(value: unknown): Promise<void> {
  return writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints `value` as one compact JSON line (JSON Lines) on stdout. */
export function printJsonLine(value: unknown): Promise<void> {
  return writeOut(`${JSON.stringify(value)}\n`);
}

/** Writes `tend: <message>` to stderr. */
export function warn(message: string): void {
  process.stderr.write(`tend: ${message}\n`);
}

/**
 * Units of {@link formatSpan}, largest first: suffixes, lengths in ms, and how many of each make the next
 * unit (a year is 365 days, as pretty-ms counts). Flat arrays read by index: a `for…of` with destructuring
 * allocated two iterators per unit and span in the cold, unoptimized code of `tend ps` (260 KB of the
 * young generation for 100 tasks, one more scavenge).
 */
const SPAN_SUFFIXES = ['y', 'd', 'h', 'm', 's'];
const SPAN_LENGTHS = [365 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000];
const SPAN_OF = [Number.POSITIVE_INFINITY, 365, 24, 60, 60];

/**
 * Formats a span for people: `12ms`, `3s`, `1m 35s`, `2h 5m`, `1h 5s` (the two largest units that are not
 * zero, whole seconds, truncated). Negative spans (clock skew) read as `0ms`. The same text as pretty-ms
 * with `{ unitCount: 2, secondsDecimalDigits: 0 }` (output.test.ts compares them), without its BigInt
 * arithmetic and option handling: `tend ps` formats two spans per task (issue 13).
 * @param ms milliseconds
 */
export function formatSpan(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total < 1_000) return `${total}ms`;
  let text = '';
  for (let i = 0; i < SPAN_SUFFIXES.length; i++) {
    const value = Math.floor(total / (SPAN_LENGTHS[i] as number)) % (SPAN_OF[i] as number);
    if (value === 0) continue;
    if (text !== '') return `${text} ${value}${SPAN_SUFFIXES[i]}`;
    text = `${value}${SPAN_SUFFIXES[i]}`;
  }
  return text;
}

/**
 * How long ago an ISO 8601 time was, for people: `3s ago`, `1h 2m ago`.
 * @param now milliseconds since the epoch; defaults to Date.now().
 */
export function formatAgo(iso: string, now = Date.now()): string {
  return `${formatSpan(now - Date.parse(iso))} ago`;
}

/**
 * Shortens `text` to at most `width` characters, replacing line breaks and tabs
 * with spaces and ending a cut text with `…`.
 */
export function truncate(text: string, width: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  if (flat.length <= width) return flat;
  return width <= 1 ? flat.slice(0, width) : `${flat.slice(0, width - 1)}…`;
}

/**
 * Formats a byte count for people, in powers of 1024 with one decimal below
 * 10: `512B`, `1.5K`, `23M`, `1.2G`.
 * @param bytes a count of bytes (negative counts read as 0).
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)}B`;
  const text = value < 10 ? value.toFixed(1) : String(Math.round(value));
  return `${text.replace(/\.0$/, '')}${units[unit]}`;
}

/**
 * Formats a CPU share (percent of one core, may exceed 100) as `0%`, `2.5%`,
 * `150%`: one decimal below 10 %.
 */
export function formatCpu(percent: number): string {
  const value = Math.max(0, percent);
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)}%`;
}
