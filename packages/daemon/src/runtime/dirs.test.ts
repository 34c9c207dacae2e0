import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPathTo, ensurePrivateDir, UnsafeDirectoryError } from './dirs.js';

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

describe('checkPathTo (StrictModes)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-strict-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a path of directories owned by you or root that only their owners can write', () => {
    const home = join(dir, 'home');
    mkdirSync(home, { mode: 0o755 });
    expect(() => checkPathTo(home)).not.toThrow();
    expect(() => ensurePrivateDir(join(home, 'state', 'tasks'))).not.toThrow();
  });

  it('refuses a group-writable directory on the path, naming it and the chmod that fixes it', () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    chmodSync(home, 0o775);
    expect(() => ensurePrivateDir(join(home, 'state'))).toThrow(UnsafeDirectoryError);
    expect(() => ensurePrivateDir(join(home, 'state'))).toThrow(
      `refusing to use ${home}: it is writable by its group (mode 0775)`,
    );
    expect(() => checkPathTo(home)).toThrow(`chmod go-w ${home}`);
  });

  it('refuses a world-writable directory without the sticky bit above the tend directory', () => {
    const open = join(dir, 'open');
    mkdirSync(join(open, 'home'), { recursive: true });
    chmodSync(open, 0o777);
    expect(() => ensurePrivateDir(join(open, 'home', 'run'))).toThrow(
      `refusing to use ${open}: it is writable by every user`,
    );
  });

  it('accepts a sticky world-writable parent, as /tmp is', () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(() => ensurePrivateDir(join(shared, 'mine', 'run'))).not.toThrow();
  });

  it('checks the directories a symlink on the path leads to', () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const link = join(dir, 'link');
    symlinkSync(open, link);
    expect(() => checkPathTo(join(link, 'home'))).toThrow(
      `refusing to use ${open}: it is writable by every user`,
    );
  });

  // Only root can give a directory to another user to set this up.
  it.skipIf(process.getuid?.() !== 0)(
    'refuses a parent owned by another user (not root), naming its owner',
    () => {
      const theirs = join(dir, 'theirs');
      mkdirSync(theirs, { mode: 0o755 });
      chownSync(theirs, 12345, 12345);
      expect(() => ensurePrivateDir(join(theirs, 'tend'))).toThrow(
        `refusing to use ${theirs}: it belongs to uid 12345, neither you (uid 0) nor root`,
      );
    },
  );
});
