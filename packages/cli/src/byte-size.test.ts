import { describe, expect, it } from 'vitest';
import { parseByteSize } from './byte-size.js';

describe('parseByteSize', () => {
  it('reads K, M, G, T as powers of 1024, with or without B or iB, in any case (docker, systemd MemoryMax=)', () => {
    expect(parseByteSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('2g')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('2GB')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseByteSize('512 MiB')).toBe(512 * 1024 ** 2);
    expect(parseByteSize('64k')).toBe(65536);
    expect(parseByteSize('1T')).toBe(1024 ** 4);
  });

  it('reads fractions of a unit, dropping a fraction of a byte', () => {
    expect(parseByteSize('1.5GiB')).toBe(1610612736);
    expect(parseByteSize('0.5K')).toBe(512);
    expect(parseByteSize('1.0001K')).toBe(1024);
  });

  it('reads a bare number, or one with B, as bytes', () => {
    expect(parseByteSize('1048576')).toBe(1048576);
    expect(parseByteSize('1048576B')).toBe(1048576);
    expect(parseByteSize('0')).toBe(0);
  });

  it.each(['abc', '', '2X', '2 G B', '-1G', '1e3', 'G', '2GG', '12M foo', '0x10', '1,5G'])(
    'refuses %j, naming it and the accepted forms',
    (input) => {
      expect(() => parseByteSize(input)).toThrow(
        `"${input}" is not a size; use e.g. 512M, 2G, 1.5GiB or a number of bytes (K, M, G, T = KiB, MiB, GiB, TiB)`,
      );
    },
  );

  it('refuses a size past what a safe integer holds', () => {
    expect(() => parseByteSize('99999999P')).toThrow('is not a size');
  });
});
