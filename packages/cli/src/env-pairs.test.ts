import { describe, expect, it } from 'vitest';
import { parseEnvPair, parseEnvPairs } from './env-pairs.js';

describe('parseEnvPair', () => {
  it('splits at the first "=" so that values may hold "="', () => {
    expect(parseEnvPair('FOO=bar')).toEqual(['FOO', 'bar']);
    expect(parseEnvPair('URL=a=b=c')).toEqual(['URL', 'a=b=c']);
  });

  it('accepts an empty value', () => {
    expect(parseEnvPair('EMPTY=')).toEqual(['EMPTY', '']);
  });

  it("takes a bare KEY's value from the caller's environment, as docker run -e VAR does", () => {
    expect(parseEnvPair('FOO', { FOO: 'from-shell' })).toEqual(['FOO', 'from-shell']);
    expect(parseEnvPair('FOO', {})).toEqual(['FOO', undefined]);
  });

  it('rejects an empty key', () => {
    expect(() => parseEnvPair('=value')).toThrow('"=value" is not KEY=VALUE or KEY (empty key)');
  });
});

describe('parseEnvPairs', () => {
  it('builds an environment object in which a later value for a key wins', () => {
    expect(parseEnvPairs(['A=1', 'B=2', 'A=3'])).toEqual({ A: '3', B: '2' });
  });

  it('leaves out a bare KEY the caller does not have', () => {
    expect(parseEnvPairs(['A=1', 'B', 'C'], { B: 'b' })).toEqual({ A: '1', B: 'b' });
  });

  it('stops at the first malformed argument', () => {
    expect(() => parseEnvPairs(['A=1', '=oops'])).toThrow(/"=oops"/);
  });
});
