import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

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
