import { describe, expect, it } from 'vitest';
import { compilePattern, PatternError, patternProblem } from './pattern.js';

/** Classic catastrophic-backtracking patterns (OWASP ReDoS list and friends) with an input that makes a backtracking engine explode. */
const CATASTROPHIC: ReadonlyArray<[string, string]> = [
  ['^(a+)+$', `${'a'.repeat(5000)}!`],
  ['^(a|aa)+$', `${'a'.repeat(5000)}!`],
  ['^(a|a?)+$', `${'a'.repeat(5000)}!`],
  ['^(\\w+\\s?)*$', `${'word '.repeat(1000)}!`],
  ['^(.*a){20}$', `${'a'.repeat(5000)}!`],
  ['^([a-zA-Z0-9]+)*@x\\.com$', `${'a'.repeat(5000)}!`],
  ['(x+x+)+y', 'x'.repeat(5000)],
  ['^(([a-z])+.)+[A-Z]([a-z])+$', 'a'.repeat(5000)],
];

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('compilePattern', () => {
  it.each(CATASTROPHIC)(
    'matches the catastrophic pattern %s against 5000 characters without backtracking',
    (pattern, input) => {
      // Each would take longer than the age of the universe in a backtracking engine; RE2 scans once.
      expect(compilePattern(pattern).test(input)).toBe(false);
    },
  );

  it('agrees with JavaScript RegExp on random short lines for the catastrophic patterns and everyday ones', () => {
    const next = random(7);
    const patterns = [
      ...CATASTROPHIC.map(([p]) => p),
      'error|warn',
      '^\\d{3}-\\d+$',
      'ready in \\d+ ?ms',
      '\\bfoo\\b',
      '[^a-c]{2,}x?$',
    ];
    const compiled = patterns.map(
      (pattern) => [pattern, compilePattern(pattern), new RegExp(pattern)] as const,
    );
    const alphabet = 'aaxyAw 1-!@.c';
    for (let round = 0; round < 2000; round++) {
      const line = Array.from(
        { length: Math.floor(next() * 12) },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join('');
      for (const [pattern, re2, js] of compiled)
        expect([pattern, line, re2.test(line)]).toEqual([pattern, line, js.test(line)]);
    }
  });

  it('ignores case when asked, like the i flag', () => {
    expect(compilePattern('ERROR', { ignoreCase: true }).test('an error here')).toBe(true);
    expect(compilePattern('ERROR').test('an error here')).toBe(false);
  });

  it('refuses backreferences and lookaround, naming the pattern and the construct', () => {
    expect(() => compilePattern('(a)\\1')).toThrow(PatternError);
    expect(() => compilePattern('(a)\\1')).toThrow(
      'pattern "(a)\\\\1" is refused: backreferences (\\1, \\k<name>) are not supported',
    );
    for (const pattern of ['foo(?=bar)', 'foo(?!bar)', '(?<=a)b', '(?<!a)b']) {
      expect(patternProblem(pattern)).toMatch(
        /^lookahead and lookbehind .* are not supported: tend matches regular expressions in RE2 syntax, in linear time/,
      );
    }
    expect(patternProblem('a++')).toMatch(/^atomic groups and possessive quantifiers are not supported/);
  });

  it('says what is wrong with a pattern that is not RE2 syntax', () => {
    expect(patternProblem('(')).toMatch(/^missing closing \): .*RE2 syntax/);
    expect(patternProblem('a{2000}')).toMatch(/^invalid repeat count/);
    expect(patternProblem('listening on \\d+')).toBeUndefined();
  });
});
