import prettyMs from 'pretty-ms';
import { describe, expect, it } from 'vitest';
import { formatBytes, formatCpu, formatSpan } from './output.js';

describe('formatBytes', () => {
  it('uses powers of 1024 with one decimal below 10 and none above', () => {
    expect(formatBytes(0)).toBe('0B');
    expect(formatBytes(1023)).toBe('1023B');
    expect(formatBytes(1024)).toBe('1K');
    expect(formatBytes(1536)).toBe('1.5K');
    expect(formatBytes(23 * 1024 * 1024 + 300_000)).toBe('23M');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.3G');
  });

  it('reads negative counts as 0', () => {
    expect(formatBytes(-5)).toBe('0B');
  });
});

describe('formatCpu', () => {
  it('keeps one decimal below 10 % and rounds above, past 100 % for several cores', () => {
    expect(formatCpu(0)).toBe('0%');
    expect(formatCpu(2.46)).toBe('2.5%');
    expect(formatCpu(12.5)).toBe('13%');
    expect(formatCpu(187.2)).toBe('187%');
  });
});

describe('formatSpan', () => {
  it('reads as two units at most, whole seconds, zero units left out', () => {
    expect(formatSpan(0)).toBe('0ms');
    expect(formatSpan(-5_000)).toBe('0ms');
    expect(formatSpan(999.4)).toBe('999ms');
    expect(formatSpan(999.5)).toBe('1s');
    expect(formatSpan(59_999)).toBe('59s');
    expect(formatSpan(95_000)).toBe('1m 35s');
    expect(formatSpan(3_605_000)).toBe('1h 5s');
    expect(formatSpan(7_500_000)).toBe('2h 5m');
    expect(formatSpan(366 * 86_400_000 + 3 * 3_600_000)).toBe('1y 1d');
    expect(formatSpan(365 * 86_400_000 + 3 * 3_600_000 + 60_000)).toBe('1y 3h');
  });

  it('gives the text of pretty-ms with unitCount 2 and secondsDecimalDigits 0 (what it replaced)', () => {
    // Every unit boundary ±1 ms, and a spread over 0 ms to 3 years (fixed seed).
    const lengths = [1_000, 60_000, 3_600_000, 86_400_000, 365 * 86_400_000];
    const values = lengths.flatMap((unit) =>
      [1, 2, 59, 60, 61, 364, 365].flatMap((n) => [-1, 0, 1].map((d) => n * unit + d)),
    );
    let seed = 13;
    for (let i = 0; i < 5_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      values.push((seed / 2 ** 31) ** 4 * 3 * 365 * 86_400_000 + (i % 7) / 7);
    }
    for (const ms of values)
      expect([ms, formatSpan(ms)]).toEqual([
        ms,
        prettyMs(Math.max(0, Math.round(ms)), { unitCount: 2, secondsDecimalDigits: 0 }),
      ]);
  });
});
