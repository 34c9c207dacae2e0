import { appendFileSync, writeFileSync } from 'node:fs';
import { parseParams, TaskOutput } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { TendDaemonError } from '../errors.js';
import { readTaskOutput } from './output-read.js';
import { deps, insertTask, later, log, read, useOutputRead } from '../test-support/output-read.js';

// readTaskOutput with waitMs (the long poll), and an unknown id.
describe('readTaskOutput', () => {
  useOutputRead();

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
