import { parseDuration } from '@tend/client/duration';

// parseDuration lives in the client package (tend.toml's durations use it too).
export { parseDuration };

/** Bounds of one duration option, for {@link checkDuration}. */
export interface DurationBounds {
  /** Smallest value accepted, in ms. */
  minMs: number;
  /** Largest value accepted, in ms. */
  maxMs: number;
  /** What to do instead of a value below `minMs`, e.g. "leave --timeout out for no deadline". */
  belowHint?: string;
}

/**
 * Parses `input` with {@link parseDuration} and checks it against `bounds`.
 * @returns milliseconds.
 * @throws Error naming the input, the bounds in human units and the fix.
 */
export function checkDuration(input: string, bounds: DurationBounds): number {
  const ms = parseDuration(input);
  if (ms < bounds.minMs) {
    const least = bounds.minMs <= 1 ? 'more than 0' : `at least ${spanOf(bounds.minMs)}`;
    throw new Error(
      `"${input}" is too short: it must be ${least}${bounds.belowHint ? `; ${bounds.belowHint}` : ''}`,
    );
  }
  if (ms > bounds.maxMs)
    throw new Error(`"${input}" is too long: it must be at most ${spanOf(bounds.maxMs)}`);
  return ms;
}

/** `30d`, `5m`, `10s`, `250ms`: the largest unit that divides `ms` exactly. */
function spanOf(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
