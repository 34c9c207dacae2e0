import parse from 'parse-duration';

// parse-duration alone accepts trailing words ("1h foo" → 1 h) and reads bare numbers as ms.
const DURATION_PATTERN = /^\s*(?:\d+(?:\.\d+)?\s*[a-zµ]*\s*)+$/i;
// A bare number, in decimal or exponent notation (1e3): seconds, as the help says.
const BARE_NUMBER = /^\s*\d+(?:\.\d+)?(?:e[+-]?\d+)?\s*$/i;

/**
 * Parses a human duration into whole milliseconds: `30s`, `1m30s`, `1.5h`,
 * `250ms`, `2d`. A bare number is seconds (`90`, `1.5`, `1e3`), as in timeout(1) and `docker stop -t`.
 * Units are parse-duration's (ms, s, m, h, d, w…).
 * @returns milliseconds, rounded to an integer, never negative.
 * @throws Error naming the input when it is not such a duration.
 */
export function parseDuration(input: string): number {
  if (BARE_NUMBER.test(input)) return Math.round(Number(input) * 1000);
  const ms = DURATION_PATTERN.test(input) ? parse(input) : null;
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) {
    throw new Error(
      `"${input}" is not a duration; use e.g. 30s, 1m30s, 1.5h or 500ms (a bare number is seconds)`,
    );
  }
  return Math.round(ms);
}
