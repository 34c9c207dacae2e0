import { describe, expect, it } from 'vitest';
import { checkDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads durations with units as milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2d')).toBe(172_800_000);
  });

  it('reads a bare number as seconds, as timeout(1) does', () => {
    expect(parseDuration('10')).toBe(10_000);
    expect(parseDuration('0.5')).toBe(500);
    expect(parseDuration('0')).toBe(0);
  });

  it('rejects text that is not a duration, naming it', () => {
    expect(() => parseDuration('soon')).toThrow(/"soon" is not a duration/);
    expect(() => parseDuration('')).toThrow(/is not a duration/);
    expect(() => parseDuration('5x')).toThrow(/"5x"/);
  });

  it('rejects a duration followed by stray words, which parse-duration alone would accept', () => {
    expect(() => parseDuration('1h foo')).toThrow(/"1h foo"/);
  });

  it('rejects negative durations', () => {
    expect(() => parseDuration('-5s')).toThrow(/is not a duration/);
  });
});

describe('parseDuration in exponent notation', () => {
  it('reads 1e3 as 1000 seconds, as any bare number', () => {
    expect(parseDuration('1e3')).toBe(1_000_000);
    expect(parseDuration('2.5E1')).toBe(25_000);
  });
});

describe('checkDuration', () => {
  const bounds = { minMs: 1, maxMs: 30 * 86_400_000, belowHint: 'leave --timeout out for no deadline' };

  it('returns the milliseconds of a duration within the bounds', () => {
    expect(checkDuration('30s', bounds)).toBe(30_000);
    expect(checkDuration('0', { minMs: 0, maxMs: 300_000 })).toBe(0);
  });

  it('names the value, the bound in human units and the fix, once', () => {
    expect(() => checkDuration('0', bounds)).toThrow(
      new Error('"0" is too short: it must be more than 0; leave --timeout out for no deadline'),
    );
    expect(() => checkDuration('99999999999d', bounds)).toThrow(
      new Error('"99999999999d" is too long: it must be at most 30d'),
    );
    expect(() => checkDuration('6m', { minMs: 0, maxMs: 300_000 })).toThrow(
      new Error('"6m" is too long: it must be at most 5m'),
    );
  });
});
