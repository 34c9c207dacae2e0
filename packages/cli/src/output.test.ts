import { describe, expect, it } from 'vitest';
import { formatBytes, formatCpu } from './output.js';

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
