import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../../../test/support/poll.mjs';
import { recordProcess, signalIfOurs } from '../../../../test/support/processes.mjs';
import { environValue, readUids, turnProcReader } from './proc-reader.js';

describe('the /proc readers of the marker scan', () => {
  it('environValue reads the first entry of a name from a real process’s environ, past a 40 KB entry', async () => {
    const child = spawn('sleep', ['600'], {
      stdio: 'ignore',
      env: {
        BIG: 'x'.repeat(40_000),
        X: 'TEND_TASK_ID=zzzz9999',
        XTEND_TASK_ID: 'no',
        TEND_TASK_ID: 'abcd1234',
      },
    });
    const owned = recordProcess(child.pid as number);
    try {
      await pollUntil('sleep to exec', () => environValue(owned.pid, 'TEND_TASK_ID'));
      expect(environValue(owned.pid, 'TEND_TASK_ID')).toBe('abcd1234');
      expect(environValue(owned.pid, 'BIG')).toBe('x'.repeat(40_000));
      expect(environValue(owned.pid, 'TASK_ID')).toBeUndefined();
      expect(environValue(owned.pid, 'NONE')).toBeUndefined();
    } finally {
      signalIfOurs(owned, 'SIGKILL');
    }
    expect(environValue(999_999_999, 'TEND_TASK_ID')).toBeUndefined();
  });

  it('readUids reads the real and effective uid of a process', () => {
    expect(readUids(process.pid)).toEqual({ real: process.getuid?.(), effective: process.geteuid?.() });
    expect(readUids(999_999_999)).toBeUndefined();
  });

  it('turnProcReader reads each thing once per turn of the event loop, and afresh in the next', async () => {
    const reader = turnProcReader();
    expect(turnProcReader()).toBe(reader);
    const table = reader.list();
    expect(reader.list()).toBe(table);
    expect(table.some((p) => p.pid === process.pid)).toBe(true);
    await Promise.resolve();
    const next = turnProcReader();
    expect(next).not.toBe(reader);
    expect(next.list()).not.toBe(table);
  });
});
