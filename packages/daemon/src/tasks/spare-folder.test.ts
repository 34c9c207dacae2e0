import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_RECORD_RESERVE_BYTES } from './exit-record.js';
import { SpareTaskFolder } from './spare-folder.js';

let state: string;
let tasksDir: string;
beforeEach(() => {
  state = mkdtempSync('/tmp/tend-spare-');
  tasksDir = join(state, 'tasks');
  mkdirSync(tasksDir, { mode: 0o700 });
});
afterEach(() => rmSync(state, { recursive: true, force: true }));

describe('SpareTaskFolder', () => {
  it('makes <state>/tasks.next with the exit reserve and an empty log, and renames it into place once', () => {
    const spare = new SpareTaskFolder(tasksDir);
    expect(spare.path).toBe(join(state, 'tasks.next'));
    expect(spare.take(join(tasksDir, 'none0001'))).toBe(false);
    spare.make();
    expect(statSync(spare.path).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(spare.path, 'exit.tmp')).length).toBe(EXIT_RECORD_RESERVE_BYTES);
    const log = statSync(join(spare.path, 'output.log'));
    expect([log.size, log.mode & 0o777]).toEqual([0, 0o600]);

    const dir = join(tasksDir, 'take0001');
    expect(spare.take(dir)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['exit.tmp', 'output.log']);
    expect(statSync(join(dir, 'output.log')).ino).toBe(log.ino);
    expect(readdirSync(state).sort()).toEqual(['tasks']);
    // Taken: the next one needs a make first.
    expect(spare.take(join(tasksDir, 'take0002'))).toBe(false);
  });

  it('replaces what a previous daemon left, and takes nothing when the rename fails', () => {
    const left = join(state, 'tasks.next');
    mkdirSync(left);
    writeFileSync(join(left, 'output.log'), 'old output');
    const spare = new SpareTaskFolder(tasksDir);
    spare.make();
    expect(statSync(join(left, 'output.log')).size).toBe(0);
    // <state>/tasks removed meanwhile: the caller makes the folder itself.
    rmSync(tasksDir, { recursive: true });
    expect(spare.take(join(tasksDir, 'gone0001'))).toBe(false);
  });

  it('refills on a later turn of the event loop', async () => {
    const spare = new SpareTaskFolder(tasksDir);
    spare.refill();
    expect(spare.take(join(tasksDir, 'soon0001'))).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(spare.take(join(tasksDir, 'soon0002'))).toBe(true);
  });
});
