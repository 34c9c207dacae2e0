import { RE2JS, RE2JSException } from 're2js';

/** Where the accepted syntax is written down: RE2's, which tend uses for every user-supplied pattern. */
export const PATTERN_SYNTAX_URL = 'https://github.com/google/re2/wiki/Syntax';

/** A compiled user pattern: `test(line)` says whether it matches anywhere in the line, in time linear in its length. */
export interface LineMatcher {
  /** The pattern as the user gave it. */
  readonly source: string;
  test(line: string): boolean;
}

/** A user-supplied pattern that tend refuses: not RE2 syntax, or a construct RE2 cannot match in linear time. */
export class PatternError extends Error {
  override name = 'PatternError';
  /**
   * @param pattern the pattern as given.
   * @param reason why it is refused, in words (no pattern in it).
   */
  constructor(
    readonly pattern: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`pattern ${JSON.stringify(pattern)} is refused: ${reason}`, options);
  }
}

// Constructs that backtracking engines have and RE2 has not, with the words that explain them.
// Looked for only after RE2 refused the pattern, so a literal `\\1` never triggers them by mistake.
const UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/\\[1-9]|\\k</, 'backreferences (\\1, \\k<name>) are not supported'],
  [/\(\?<?[=!]/, 'lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported'],
  [/\(\?>|[*+?}]\+/, 'atomic groups and possessive quantifiers are not supported'],
];

/**
 * Compiles a user-supplied pattern with RE2 semantics (re2js, a pure-JS port
 * of RE2: matching time is linear in the input, so no pattern can stall the
 * daemon's event loop the way `^(a+)+$` stalls a backtracking engine).
 * Syntax: {@link PATTERN_SYNTAX_URL}; Perl classes (`\d`, `\w`, `\s`, `\b`),
 * `(?i)` and named groups `(?P<n>…)` / `(?<n>…)` work; backreferences,
 * lookaround, `\u….` escapes (write `\x{…}`) do not.
 * @param options.ignoreCase match without regard to case (same as a leading `(?i)`).
 * @throws PatternError naming the pattern and why it is refused.
 */
export function compilePattern(pattern: string, options: { ignoreCase?: boolean } = {}): LineMatcher {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    throw new PatternError(pattern, reasonOf(pattern, err), { cause: err });
  }
  return { source: pattern, test: (line) => compiled.test(line) };
}

/**
 * Why `pattern` would be refused by {@link compilePattern} (the reason alone,
 * without the pattern), or undefined when it compiles. For zod refinements and
 * client-side pre-checks.
 */
export function patternProblem(pattern: string): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (err) {
    if (err instanceof PatternError) return err.reason;
    throw err;
  }
}

function reasonOf(pattern: string, err: RE2JSException): string {
  const known = UNSUPPORTED.find(([detect]) => detect.test(pattern));
  const syntax = `tend matches regular expressions in RE2 syntax, in linear time (${PATTERN_SYNTAX_URL})`;
  if (known) return `${known[1]}: ${syntax}`;
  const detail = err.message.replace(/^error parsing regexp: /, '');
  return `${detail}: ${syntax}`;
}
