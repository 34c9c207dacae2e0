import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { binaryOf, OutputWriter } from './output-writer.js';

describe('OutputWriter', () => {
  let written: Buffer[];
  beforeEach(() => {
    written = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(Buffer.from(chunk));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());
  const out = () => Buffer.concat(written);

  it('in clean-lines mode collapses a progress bar redrawn across many reads into its final state', async () => {
    const writer = new OutputWriter('clean-lines');
    for (const read of ['build\n', '\r\x1b[32m20%', '\x1b[0m\r40', '%\r100%', '\r\n', 'done\n'])
      await writer.write(read);
    await writer.end();
    expect(out().toString()).toBe('build\n100%\ndone\n');
  });

  it('in clean-lines mode prints an unfinished last line, cleaned, at the end', async () => {
    const writer = new OutputWriter('clean-lines');
    await writer.write('a\n10%\r');
    await writer.write('50%');
    expect(out().toString()).toBe('a\n');
    await writer.end();
    expect(out().toString()).toBe('a\n50%');
  });

  it('in bytes mode writes the exact bytes of base64 reads, invalid UTF-8 included', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xe6, 0x97, 0x0a, 0x80]);
    const writer = new OutputWriter('bytes');
    await writer.write(binaryOf(bytes.subarray(0, 3).toString('base64')));
    await writer.write(binaryOf(bytes.subarray(3).toString('base64')));
    expect(out().equals(bytes)).toBe(true);
  });
});
