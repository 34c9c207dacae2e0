import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { TaskState } from '@tend/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompletionStore } from './completion-store.js';
import { CursorStore } from './cursor-store.js';
import { openDatabase } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { RetentionStore } from './retention-store.js';
import { TaskStore } from './task-store.js';

describe('RetentionStore', () => {
  let dir: string;
  let db: Database.Database;
  let tasks: TaskStore;
  let completions: CompletionStore;
  let cursors: CursorStore;
  let retention: RetentionStore;

  /** Inserts task `id` in `state`, ended at `endedAt` (ms) when given, with a completion and a cursor. */
  function task(id: string, state: TaskState, endedAt?: number): void {
    tasks.insert({
      id,
      command: 'true',
      cwd: '/',
      env: {},
      inheritEnv: true,
      state,
      createdAt: 1,
      logPath: `/nowhere/${id}/output.log`,
      outputBytes: 0,
      droppedBytes: 0,
      ...(endedAt !== undefined ? { endedAt } : {}),
    });
    if (endedAt !== undefined) {
      const seq = completions.record({
        taskId: id,
        command: 'true',
        cwd: '/',
        state,
        endedAt: new Date(endedAt).toISOString(),
        tail: `TOKEN=${id}`,
      });
      completions.ack('', [seq]);
    }
    cursors.set(id, 'me', 1);
  }

  const count = (sql: string, id: string) => (db.prepare(sql).get(id) as { n: number }).n;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-retention-'));
    db = openDatabase(join(dir, 'tend.db'));
    tasks = new TaskStore(db);
    completions = new CompletionStore(db);
    cursors = new CursorStore(db);
    retention = new RetentionStore(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('picks ended tasks beyond the count (oldest ends) or before the cutoff, and never a live one', () => {
    task('live1', 'running');
    task('live2', 'stopping');
    task('a', 'succeeded', 1_000);
    task('b', 'failed', 2_000);
    task('c', 'killed', 3_000);
    task('d', 'lost', 4_000);
    expect(retention.select({ keep: 2 }).sort()).toEqual(['a', 'b']);
    expect(retention.select({ endedBefore: 3_000 }).sort()).toEqual(['a', 'b']);
    expect(retention.select({ keep: 3, endedBefore: 2_500 }).sort()).toEqual(['a', 'b']);
    expect(retention.select({ keep: 1, endedBefore: 0 }).sort()).toEqual(['a', 'b', 'c']);
    expect(retention.select({ keep: 0, endedBefore: Number.MAX_SAFE_INTEGER }).sort()).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('matches prune filters: states and end time, live states never', () => {
    task('live', 'running');
    task('a', 'succeeded', 1_000);
    task('b', 'failed', 2_000);
    expect(retention.matching({})).toEqual(['a', 'b']);
    expect(retention.matching({ states: ['failed'] })).toEqual(['b']);
    expect(retention.matching({ states: ['running'] })).toEqual([]);
    expect(retention.matching({ endedBefore: 1_500 })).toEqual(['a']);
  });

  it('forgets an ended task with its completions, acknowledgements and cursors, and refuses a live one', () => {
    task('live', 'running');
    task('a', 'succeeded', 1_000);
    expect(retention.forget('live')).toBe(false);
    expect(tasks.get('live')).toBeDefined();
    expect(cursors.get('live', 'me')).toBe(1);

    expect(retention.forget('a')).toBe(true);
    expect(tasks.get('a')).toBeUndefined();
    expect(count('SELECT COUNT(*) AS n FROM completions WHERE task_id = ?', 'a')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM completion_acks WHERE session = ?', '')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM read_cursors WHERE task_id = ?', 'a')).toBe(0);
    expect(retention.forget('a')).toBe(false);
  });

  it('drops, when migrating, the completions and cursors that task/remove used to leave behind', () => {
    db.close();
    rmSync(join(dir, 'tend.db'));
    const Database = db.constructor as unknown as new (path: string) => Database.Database;
    const old = new Database(join(dir, 'tend.db'));
    old.exec(MIGRATIONS[0] as string);
    old.exec(MIGRATIONS[1] as string);
    old.pragma('user_version = 2');
    old.prepare("INSERT INTO completions (task_id, session, payload) VALUES ('gone', NULL, '{}')").run();
    old.prepare("INSERT INTO completion_acks (session, seq) VALUES ('', 1)").run();
    old
      .prepare(
        "INSERT INTO read_cursors (task_id, reader, byte_offset, updated_at) VALUES ('gone', 'me', 5, 0)",
      )
      .run();
    old.close();
    db = openDatabase(join(dir, 'tend.db'));
    expect(count('SELECT COUNT(*) AS n FROM completions WHERE task_id = ?', 'gone')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM read_cursors WHERE task_id = ?', 'gone')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM completion_acks WHERE session = ?', '')).toBe(0);
  });
});
