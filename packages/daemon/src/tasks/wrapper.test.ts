import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readExitRecord, reserveExitRecord } from './exit-record.js';
import { wrapperArgv } from './wrapper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync('/tmp/tend-wrapper-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the wrapper for `command` in its own process group, as the daemon does; resolves with its exit code. */
function runWrapper(command: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  const exitPath = join(dir, 'exit');
  reserveExitRecord(exitPath);
  const child = spawn('/bin/sh', wrapperArgv(exitPath, '/bin/sh', command), {
    detached: true,
    stdio: 'ignore',
    env,
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('the task wrapper', () => {
  it('records the status even when a late stop signal reaches its group while it writes the record', async () => {
    // A stand-in for mv that, like tend re-sending SIGTERM to a young task, signals the whole
    // group just as the record is being moved into place, then does the real move.
    const fakeBin = join(dir, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'mv'), '#!/bin/sh\nkill -TERM 0\nexec /bin/mv "$@"\n');
    chmodSync(join(fakeBin, 'mv'), 0o755);
    const code = await runWrapper('exit 3', { PATH: `${fakeBin}:/usr/bin:/bin` });
    expect(code).toBe(3);
    expect(readExitRecord(join(dir, 'exit'))).toMatchObject({ status: 3 });
  });

  it('records a signal that ended the command as that signal', async () => {
    const code = await runWrapper('kill -TERM $$', { PATH: '/usr/bin:/bin' });
    expect(code).toBe(143);
    expect(readExitRecord(join(dir, 'exit'))).toMatchObject({ status: 143, signal: 'SIGTERM' });
  });
});
