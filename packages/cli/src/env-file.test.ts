import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvFileError, parseEnvFile } from './env-file.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync('/tmp/tend-');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(text: string): string {
  const path = join(dir, 'vars.env');
  writeFileSync(path, text);
  return path;
}

describe('parseEnvFile', () => {
  it("reads dotenv's format: comments, blank lines, export, quotes, multi-line values, empty values", () => {
    const path = file(
      '# comment\n\nA=1\nexport B="x y" # trailing\nC=\'#not a comment\'\nD="line1\\nline2"\nE="multi\nline"\nF=\r\nA=2\n',
    );
    expect(parseEnvFile(path)).toEqual({
      A: '2',
      B: 'x y',
      C: '#not a comment',
      D: 'line1\nline2',
      E: 'multi\nline',
      F: '',
    });
  });

  it('refuses a line that is not KEY=VALUE, naming the file and the line number', () => {
    const path = file('A=1\n# ok\n\nnot a variable\nB=2\n');
    expect(() => parseEnvFile(path)).toThrow(EnvFileError);
    expect(() => parseEnvFile(path)).toThrow(`${path}:4: not a KEY=VALUE line: "not a variable"`);
  });

  it('refuses a name dotenv cannot read instead of skipping it', () => {
    expect(() => parseEnvFile(file('MY VAR=1\n'))).toThrow(/:1: not a KEY=VALUE line: "MY VAR=1"/);
  });

  it('names a file it cannot read', () => {
    const missing = join(dir, 'missing.env');
    expect(() => parseEnvFile(missing)).toThrow(`cannot read --env-file ${missing}`);
  });
});
