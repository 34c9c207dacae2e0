import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeTaskFolder, taskFolderBytes, UnsafeTaskIdError } from './task-folder.js';

describe('removeTaskFolder', () => {
  let root: string;
  let tasksDir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tend-folder-'));
    tasksDir = join(root, 'tasks');
    mkdirSync(tasksDir);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('deletes the folder and returns the disk space its files used', () => {
    mkdirSync(join(tasksDir, 'abc123'));
    writeFileSync(join(tasksDir, 'abc123', 'output.log'), 'x'.repeat(10_000));
    const bytes = taskFolderBytes(tasksDir, 'abc123');
    expect(bytes).toBeGreaterThanOrEqual(10_000);
    expect(removeTaskFolder(tasksDir, 'abc123')).toBe(bytes);
    expect(existsSync(join(tasksDir, 'abc123'))).toBe(false);
    expect(removeTaskFolder(tasksDir, 'abc123')).toBe(0);
  });

  it('refuses ids that could leave the tasks directory, touching nothing', () => {
    writeFileSync(join(root, 'precious'), 'keep');
    for (const id of ['..', '../precious', '', 'a/b', '.', 'ABC']) {
      expect(() => removeTaskFolder(tasksDir, id)).toThrow(UnsafeTaskIdError);
    }
    expect(readFileSync(join(root, 'precious'), 'utf8')).toBe('keep');
  });

  it('unlinks a symlink in place of the folder, or inside it, without following it', () => {
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'keep');
    symlinkSync(outside, join(tasksDir, 'linked'));
    expect(removeTaskFolder(tasksDir, 'linked')).toBe(0);
    mkdirSync(join(tasksDir, 'inner'));
    symlinkSync(outside, join(tasksDir, 'inner', 'output.log'));
    removeTaskFolder(tasksDir, 'inner');
    expect(existsSync(join(tasksDir, 'linked'))).toBe(false);
    expect(existsSync(join(tasksDir, 'inner'))).toBe(false);
    expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('keep');
  });
});
