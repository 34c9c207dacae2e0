import { describe, expect, it } from 'vitest';
import { isReadToEnd } from './output-end.js';

describe('isReadToEnd', () => {
  it('is true only for a read made after the end that reached the size of the log', () => {
    expect(isReadToEnd({ ended: true, nextOffset: 10, totalBytes: 10 })).toBe(true);
    expect(isReadToEnd({ ended: true, nextOffset: 4, totalBytes: 10 })).toBe(false);
    expect(isReadToEnd({ ended: false, nextOffset: 10, totalBytes: 10 })).toBe(false);
    expect(isReadToEnd({ ended: true, nextOffset: 0, totalBytes: 0 })).toBe(true);
  });
});
