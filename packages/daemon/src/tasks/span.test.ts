import { describe, expect, it } from 'vitest';
import { formatSpan } from './span.js';

describe('formatSpan', () => {
  it('writes each unit that is not zero, largest first, as the CLI durations read', () => {
    expect(formatSpan(7_200_000)).toBe('2h');
    expect(formatSpan(5_400_000)).toBe('1h30m');
    expect(formatSpan(60_000)).toBe('1m');
    expect(formatSpan(2_500)).toBe('2s500ms');
    expect(formatSpan(300)).toBe('300ms');
    expect(formatSpan(90_061_001)).toBe('1d1h1m1s1ms');
  });

  it('writes 0 as 0ms and rounds fractions', () => {
    expect(formatSpan(0)).toBe('0ms');
    expect(formatSpan(1.6)).toBe('2ms');
  });
});
