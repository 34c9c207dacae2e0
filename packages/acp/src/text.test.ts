import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatTerminalId, parseTerminalId } from './terminal-id.js';
import { keepEnd, shellLine } from './text.js';

describe('keepEnd', () => {
  const bytes = Buffer.from('aé€😀END');
  it('drops the partial character a cut left at the front, and says how many bytes it dropped', () => {
    for (const [from, text, cut] of [
      [0, 'aé€😀END', 0],
      [1, 'é€😀END', 0],
      [2, '€😀END', 1],
      [4, '😀END', 2],
      [7, 'END', 3],
      [12, 'D', 0],
    ] as const)
      expect(keepEnd(bytes.subarray(from), from > 0)).toEqual({ text, cutBytes: cut });
  });
  it('keeps the front when nothing was cut, and decodes bytes that are not UTF-8 as U+FFFD', () => {
    expect(keepEnd(Buffer.from([0x80, 0x41]), false)).toEqual({ text: '\uFFFDA', cutBytes: 0 });
    expect(keepEnd(Buffer.alloc(0), true)).toEqual({ text: '', cutBytes: 0 });
  });
});

describe('shellLine', () => {
  it('is the command itself without args, and each word quoted for the shell with args', () => {
    expect(shellLine('npm run dev && echo "$X"', [])).toBe('npm run dev && echo "$X"');
    const line = shellLine('printf', ['%s|', "it's", '$HOME', 'a b', '']);
    expect(line).toBe(`printf '%s|' 'it'\\''s' '$HOME' 'a b' ''`);
    expect(execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' })).toBe("it's|$HOME|a b||");
  });
});

describe('terminal ids', () => {
  it('carry the task id and the outputByteLimit, and refuse anything else', () => {
    expect(formatTerminalId({ taskId: 'k3j9x2ab' })).toBe('k3j9x2ab');
    expect(formatTerminalId({ taskId: 'k3j9x2ab', outputByteLimit: 4096 })).toBe('k3j9x2ab@4096');
    expect(parseTerminalId('k3j9x2ab@4096')).toEqual({ taskId: 'k3j9x2ab', outputByteLimit: 4096 });
    expect(parseTerminalId('k3j9x2ab')).toEqual({ taskId: 'k3j9x2ab' });
    for (const bad of ['', 'K3J9', 'k3j9x2ab@', 'k3j9x2ab@0x1', '../x', 'a b'])
      expect(parseTerminalId(bad), bad).toBeUndefined();
  });
});
