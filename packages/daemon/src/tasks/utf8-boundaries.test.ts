import { describe, expect, it } from 'vitest';
import { completeUtf8Length, leadingContinuationBytes } from './output.js';

// The UTF-8 boundary helpers of output.ts: completeUtf8Length and leadingContinuationBytes.

describe('completeUtf8Length', () => {
  const length = (...values: number[]) => completeUtf8Length(Uint8Array.from(values));
  const utf8 = (text: string) => [...Buffer.from(text)];

  it('is 0 for no bytes', () => {
    expect(length()).toBe(0);
  });

  it('keeps ASCII and complete characters of every width whole', () => {
    expect(length(...utf8('abc'))).toBe(3);
    expect(length(...utf8('aé'))).toBe(3);
    expect(length(...utf8('a日'))).toBe(4);
    expect(length(...utf8('a😀'))).toBe(5);
  });

  it('stops before a lead byte whose sequence is incomplete', () => {
    const emoji = utf8('😀');
    expect(length(0x61, ...emoji.slice(0, 1))).toBe(1);
    expect(length(0x61, ...emoji.slice(0, 2))).toBe(1);
    expect(length(0x61, ...emoji.slice(0, 3))).toBe(1);
    expect(length(0x61, ...utf8('日').slice(0, 2))).toBe(1);
    expect(length(0x61, ...utf8('é').slice(0, 1))).toBe(1);
    expect(length(...emoji.slice(0, 3))).toBe(0);
  });

  it('keeps continuation bytes with no lead byte within four bytes (invalid input is not held back forever)', () => {
    expect(length(0x80)).toBe(1);
    expect(length(0x80, 0x80, 0x80, 0x80)).toBe(4);
    expect(length(0x61, 0x80, 0x80, 0x80, 0x80)).toBe(5);
  });
});

describe('leadingContinuationBytes', () => {
  const count = (...values: number[]) => leadingContinuationBytes(Uint8Array.from(values));

  it('is 0 for no bytes and for a buffer that starts with a lead or ASCII byte', () => {
    expect(count()).toBe(0);
    expect(count(0x61, 0x80)).toBe(0);
    expect(count(0xf0, 0x9f, 0x98, 0x80)).toBe(0);
  });

  it('counts the continuation bytes of a character cut at the start', () => {
    const emoji = [...Buffer.from('😀')];
    expect(count(...emoji.slice(1), 0x61)).toBe(3);
    expect(count(...emoji.slice(2), 0x61)).toBe(2);
    expect(count(...emoji.slice(3), 0x61)).toBe(1);
    expect(count(0xa9)).toBe(1);
  });

  it('counts at most three', () => {
    expect(count(0x80, 0x80, 0x80, 0x80, 0x80)).toBe(3);
  });
});
