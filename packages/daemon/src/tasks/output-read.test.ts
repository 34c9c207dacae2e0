import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { parseParams, TaskOutput, type ParamsOf } from '@tend/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TendDaemonError } from '../errors.js';
import { CursorStore } from '../store/cursor-store.js';
import { openDatabase } from '../store/db.js';
import { TaskStore, type TaskRow } from '../store/task-store.js';
import { readTaskOutput } from './output-read.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const MARKER = /\[… (\d+) bytes omitted by tend …\]\n/;

describe('readTaskOutput', () => {
  let dir: string;
  let dbPath: string;
  let db: Database.Database;
  let deps: { store: TaskStore; cursors: CursorStore };
  let log: string;
  const timers: NodeJS.Timeout[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tend-output-read-'));
    dbPath = join(dir, 'tend.db');
    db = openDatabase(dbPath);
    deps = { store: new TaskStore(db), cursors: new CursorStore(db) };
    log = join(dir, 'output.log');
  });

  afterEach(() => {
    for (const timer of timers.splice(0)) clearTimeout(timer);
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Inserts task `t1` whose output is the log file of this test. */
  function insertTask(overrides: Partial<TaskRow> = {}): TaskRow {
    const row: TaskRow = {
      id: 't1000000',
      command: 'build',
      cwd: dir,
      env: {},
      inheritEnv: true,
      state: 'running',
      createdAt: Date.now(),
      logPath: log,
      outputBytes: 0,
      droppedBytes: 0,
      ...overrides,
    };
    deps.store.insert(row);
    return row;
  }

  /** Reads task t1000000 with params as a client sends them (validated, defaults applied). */
  const read = (params: Omit<ParamsOf<typeof TaskOutput>, 'id'>, reader = 'agent') =>
    readTaskOutput(deps, parseParams(TaskOutput, { id: 't1000000', ...params }), reader);

  const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));

  describe('since: "last"', () => {
    it('returns only the bytes the reader has not read yet and moves its cursor to where it stopped', async () => {
      insertTask();
      writeFileSync(log, 'one\n');
      expect(await read({ since: 'last' })).toMatchObject({
        data: 'one\n',
        offset: 0,
        nextOffset: 4,
        ended: false,
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(4);

      appendFileSync(log, 'two\nthree\n');
      expect(await read({ since: 'last' })).toMatchObject({
        data: 'two\nthree\n',
        offset: 4,
        nextOffset: 14,
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(14);

      expect(await read({ since: 'last' })).toMatchObject({ data: '', offset: 14, nextOffset: 14 });
    });

    it('stops at limit and resumes from there on the next read', async () => {
      insertTask();
      writeFileSync(log, '0123456789');
      expect(await read({ since: 'last', limit: 4 })).toMatchObject({
        data: '0123',
        nextOffset: 4,
        truncated: true,
      });
      expect(await read({ since: 'last', limit: 4 })).toMatchObject({
        data: '4567',
        offset: 4,
        nextOffset: 8,
      });
      expect(await read({ since: 'last', limit: 4 })).toMatchObject({
        data: '89',
        offset: 8,
        nextOffset: 10,
        truncated: false,
      });
    });

    it('keeps an independent cursor for each reader', async () => {
      insertTask();
      writeFileSync(log, 'a\n');
      expect((await read({ since: 'last' }, 'alice')).data).toBe('a\n');
      appendFileSync(log, 'b\n');
      expect((await read({ since: 'last' }, 'bob')).data).toBe('a\nb\n');
      expect((await read({ since: 'last' }, 'alice')).data).toBe('b\n');
      expect((await read({ since: 'last' }, 'bob')).data).toBe('');
      expect(deps.cursors.get('t1000000', 'alice')).toBe(4);
      expect(deps.cursors.get('t1000000', 'bob')).toBe(4);
    });

    it('leaves the cursor where it was when the client went away during a long poll (a daemon restart): the bytes are read again', async () => {
      insertTask();
      writeFileSync(log, 'one\n');
      await read({ since: 'last' });
      const gone = new AbortController();
      const params = parseParams(TaskOutput, { id: 't1000000', since: 'last', waitMs: 10_000 });
      const polling = readTaskOutput(deps, params, 'agent', gone.signal);
      later(20, () => {
        appendFileSync(log, 'two\n');
        gone.abort();
      });
      expect((await polling).data).toBe('two\n');
      expect(deps.cursors.get('t1000000', 'agent')).toBe(4);
      expect(await read({ since: 'last' })).toMatchObject({ data: 'two\n', offset: 4, nextOffset: 8 });
    });

    it('does not move any cursor on a read by offset, head or tail', async () => {
      insertTask();
      writeFileSync(log, 'hello\nworld\n');
      await read({ offset: 6 });
      await read({ head: { lines: 1 } });
      await read({ tail: { bytes: 3 } });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(0);
      expect((await read({ since: 'last' })).data).toBe('hello\nworld\n');
    });

    it('keeps the cursor after the database is closed and opened again', async () => {
      insertTask();
      writeFileSync(log, 'before restart\n');
      expect((await read({ since: 'last' })).data).toBe('before restart\n');
      db.close();

      db = openDatabase(dbPath);
      deps = { store: new TaskStore(db), cursors: new CursorStore(db) };
      appendFileSync(log, 'after restart\n');
      expect(await read({ since: 'last' })).toMatchObject({
        data: 'after restart\n',
        offset: bytes('before restart\n'),
      });
    });

    it('reads from the oldest byte kept and reports skippedBytes when the cap dropped bytes past the cursor', async () => {
      insertTask({ droppedBytes: 100 });
      writeFileSync(log, `${'x'.repeat(100)}kept\n`);
      expect(await read({ since: 'last' })).toMatchObject({
        data: 'kept\n',
        offset: 100,
        nextOffset: 105,
        skippedBytes: 100,
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(105);
    });

    it('reports skippedBytes as only the dropped bytes the reader had not read yet', async () => {
      insertTask();
      writeFileSync(log, `${'x'.repeat(40)}`);
      await read({ since: 'last' }); // cursor at 40
      appendFileSync(log, `${'y'.repeat(60)}tail\n`);
      deps.store.update('t1000000', { droppedBytes: 100 });
      expect(await read({ since: 'last' })).toMatchObject({ data: 'tail\n', offset: 100, skippedBytes: 60 });
    });

    it('reports skippedBytes on a model-sized read too', async () => {
      insertTask({ droppedBytes: 50, state: 'succeeded' });
      writeFileSync(log, `${'z'.repeat(50)}\x1b[31mred\x1b[0m\n`);
      expect(await read({ since: 'last', clean: true })).toMatchObject({
        data: 'red\n',
        skippedBytes: 50,
        ended: true,
      });
    });
  });

  describe('maxBytes', () => {
    it('reads the head and tail of a big log, names what it left out and moves the cursor to the end', async () => {
      insertTask({ state: 'succeeded' });
      const lines = Array.from({ length: 20_000 }, (_, i) => `line ${String(i).padStart(5, '0')} é日😀`);
      const text = `${lines.join('\n')}\n`;
      writeFileSync(log, text);
      const total = bytes(text);

      const result = await read({ since: 'last', maxBytes: 1024 });
      const match = MARKER.exec(result.data);
      expect(match).not.toBeNull();
      const head = result.data.slice(0, match?.index);
      const tail = result.data.slice((match?.index ?? 0) + (match?.[0].length ?? 0));
      expect(head.startsWith('line 00000 é日😀\n')).toBe(true);
      expect(head.endsWith('\n')).toBe(true);
      expect(tail.endsWith('line 19999 é日😀\n')).toBe(true);
      expect(text.startsWith(head)).toBe(true);
      expect(text.endsWith(tail)).toBe(true);
      expect(bytes(head)).toBeLessThanOrEqual(512);
      expect(bytes(tail)).toBeLessThanOrEqual(512);
      expect(Number(match?.[1])).toBe(result.omittedBytes);
      expect(bytes(head) + bytes(tail) + result.omittedBytes).toBe(total);
      expect(result).toMatchObject({
        offset: 0,
        nextOffset: total,
        totalBytes: total,
        ended: true,
        truncated: false,
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(total);

      expect(await read({ since: 'last', maxBytes: 1024 })).toMatchObject({
        data: '',
        omittedBytes: 0,
        nextOffset: total,
      });
    });

    it('returns what fits under maxBytes whole, with 0 omitted', async () => {
      insertTask({ state: 'succeeded' });
      writeFileSync(log, 'short\n');
      expect(await read({ since: 'last', maxBytes: 256 })).toMatchObject({
        data: 'short\n',
        omittedBytes: 0,
        nextOffset: 6,
      });
    });
  });

  describe('clean and grep', () => {
    it('cleans and greps only the unread part of a since-last read, counting matches', async () => {
      insertTask();
      writeFileSync(log, '\x1b[31mERROR\x1b[0m first\nok\n');
      expect(
        await read({ since: 'last', clean: true, grep: { pattern: 'error', ignoreCase: true } }),
      ).toMatchObject({
        data: 'ERROR first\n',
        matches: 1,
        nextOffset: bytes('\x1b[31mERROR\x1b[0m first\nok\n'),
      });

      appendFileSync(log, 'compiling 10%\rcompiling 100%\r\n\x1b[1mERROR\x1b[22m second\nfine\n');
      const second = await read({
        since: 'last',
        clean: true,
        grep: { pattern: 'ERROR|compiling', context: 0 },
      });
      expect(second).toMatchObject({ data: 'compiling 100%\nERROR second\n', matches: 2, omittedBytes: 0 });
      expect(second.data).not.toContain('first');
      expect(second.data).not.toContain('\x1b');
    });

    it('reports 0 matches and empty data when nothing unread matches', async () => {
      insertTask({ state: 'failed' });
      writeFileSync(log, 'a\nb\n');
      expect(await read({ since: 'last', grep: { pattern: 'zzz' } })).toMatchObject({
        data: '',
        matches: 0,
        nextOffset: 4,
      });
    });

    it('leaves the unfinished last line of a live task for the next grep read', async () => {
      insertTask({ state: 'running' });
      writeFileSync(log, 'ok 1\nERROR one\nERROR par');
      const first = await read({ since: 'last', grep: { pattern: 'ERROR' } });
      expect(first).toMatchObject({
        data: 'ERROR one\n',
        matches: 1,
        nextOffset: bytes('ok 1\nERROR one\n'),
      });
      expect(deps.cursors.get('t1000000', 'agent')).toBe(bytes('ok 1\nERROR one\n'));

      appendFileSync(log, 'tial é\nok 2\n');
      expect(await read({ since: 'last', grep: { pattern: 'ERROR' } })).toMatchObject({
        data: 'ERROR partial é\n',
        matches: 1,
        nextOffset: bytes('ok 1\nERROR one\nERROR partial é\nok 2\n'),
      });
    });

    it('includes the unfinished last line once the task has ended', async () => {
      insertTask({ state: 'failed' });
      writeFileSync(log, 'ok\nERROR at the very end');
      expect(await read({ since: 'last', grep: { pattern: 'ERROR' } })).toMatchObject({
        data: 'ERROR at the very end\n',
        matches: 1,
        nextOffset: bytes('ok\nERROR at the very end'),
        ended: true,
      });
    });
  });

  describe('waitMs', () => {
    it('answers as soon as output is appended, well before waitMs', async () => {
      insertTask({ state: 'running' });
      writeFileSync(log, '');
      later(150, () => appendFileSync(log, 'arrived\n'));
      const started = Date.now();
      const result = await read({ since: 'last', waitMs: 10_000 });
      const elapsed = Date.now() - started;
      expect(result).toMatchObject({ data: 'arrived\n', nextOffset: 8, ended: false });
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(5_000);
    });

    it('answers with nothing as soon as the task ends without writing more', async () => {
      insertTask({ state: 'running' });
      writeFileSync(log, 'old\n');
      await read({ since: 'last' });
      later(150, () => deps.store.update('t1000000', { state: 'succeeded', exitCode: 0 }));
      const started = Date.now();
      const result = await read({ since: 'last', waitMs: 10_000 });
      const elapsed = Date.now() - started;
      expect(result).toMatchObject({ data: '', offset: 4, nextOffset: 4, ended: true });
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(5_000);
    });

    it('answers with nothing after waitMs when neither output nor an end came', async () => {
      insertTask({ state: 'running' });
      writeFileSync(log, 'old\n');
      await read({ since: 'last' });
      const started = Date.now();
      expect(await read({ since: 'last', waitMs: 300 })).toMatchObject({
        data: '',
        nextOffset: 4,
        ended: false,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('does not wait when unread output is already there or the task has ended', async () => {
      insertTask({ state: 'running' });
      writeFileSync(log, 'ready\n');
      let started = Date.now();
      expect((await read({ since: 'last', waitMs: 10_000 })).data).toBe('ready\n');
      expect(Date.now() - started).toBeLessThan(2_000);

      deps.store.update('t1000000', { state: 'killed' });
      started = Date.now();
      expect(await read({ since: 'last', waitMs: 10_000 })).toMatchObject({ data: '', ended: true });
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('waits on a live grep read whose only unread bytes are an unfinished line, until a matching line arrives', async () => {
      insertTask({ state: 'running' });
      writeFileSync(log, 'ERROR a\nContinue? [y/N] ');
      expect((await read({ since: 'last', grep: { pattern: 'ERROR' } })).data).toBe('ERROR a\n');
      // Nothing new has arrived for this reader: a long poll should wait, not answer at once with nothing.
      later(300, () => appendFileSync(log, 'y\nERROR b\n'));
      const started = Date.now();
      const result = await read({ since: 'last', grep: { pattern: 'ERROR' }, waitMs: 10_000 });
      const elapsed = Date.now() - started;
      expect(result).toMatchObject({ data: 'ERROR b\n', matches: 1 });
      expect(elapsed).toBeGreaterThanOrEqual(290);
    });
  });

  it('refuses an id no task has with task_not_found', async () => {
    insertTask();
    await expect(
      readTaskOutput(deps, parseParams(TaskOutput, { id: 'nosuch00', since: 'last' }), 'agent'),
    ).rejects.toMatchObject({
      name: 'TendDaemonError',
      reason: 'task_not_found',
    });
    await expect(
      readTaskOutput(deps, parseParams(TaskOutput, { id: 'nosuch00' }), 'agent'),
    ).rejects.toBeInstanceOf(TendDaemonError);
  });
});
