import { describe, expect, it } from 'vitest';
import { hasReadAll, isCaughtUp } from './output-position.js';

describe('isCaughtUp', () => {
  it('is true at or past the size of the log, false before it', () => {
    expect(isCaughtUp(10, 10)).toBe(true);
    expect(isCaughtUp(12, 10)).toBe(true);
    expect(isCaughtUp(9, 10)).toBe(false);
    expect(isCaughtUp(0, 0)).toBe(true);
  });
});

describe('hasReadAll', () => {
  it('needs both the end of the task and the end of its log', () => {
    expect(hasReadAll({ ended: true, nextOffset: 10, totalBytes: 10 })).toBe(true);
    expect(hasReadAll({ ended: true, nextOffset: 4, totalBytes: 10 })).toBe(false);
    expect(hasReadAll({ ended: false, nextOffset: 10, totalBytes: 10 })).toBe(false);
  });
});
