import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, UnsafeDirectoryError } from './dirs.js';

describe('ensurePrivateDir', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-dirs-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a missing directory and its parents with mode 0700', () => {
    const target = join(dir, 'a', 'b');
    ensurePrivateDir(target);
    expect(statSync(target).isDirectory()).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o700);
  });

  it('narrows an existing directory that others can reach to 0700', () => {
    const target = join(dir, 'open');
    mkdirSync(target);
    chmodSync(target, 0o755);
    ensurePrivateDir(target);
    expect(statSync(target).mode & 0o777).toBe(0o700);
  });

  it('refuses a symlink to a directory, naming the path', () => {
    const real = join(dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(dir, 'link');
    symlinkSync(real, link);
    expect(() => ensurePrivateDir(link)).toThrow(UnsafeDirectoryError);
    expect(() => ensurePrivateDir(link)).toThrow(`${link} is not a directory`);
  });

  it('refuses a regular file in the way with UnsafeDirectoryError naming the path', () => {
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(() => ensurePrivateDir(file)).toThrow(UnsafeDirectoryError);
    expect(() => ensurePrivateDir(file)).toThrow(`${file} is not a directory`);
  });

  // Only root can give a directory to another user to set this up.
  it.skipIf(process.getuid?.() !== 0)('refuses a directory owned by another user, naming its owner', () => {
    const target = join(dir, 'theirs');
    mkdirSync(target, { mode: 0o700 });
    chownSync(target, 54321, 54321);
    expect(() => ensurePrivateDir(target)).toThrow(UnsafeDirectoryError);
    expect(() => ensurePrivateDir(target)).toThrow(`${target} belongs to uid 54321, not to you (uid 0)`);
  });
});
