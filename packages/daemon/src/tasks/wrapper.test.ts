import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
function runWrapper(command: string, env: NodeJS.ProcessEnv, cgroup?: string): Promise<number | null> {
  const exitPath = join(dir, 'exit');
  reserveExitRecord(exitPath);
  const log = openSync(join(dir, 'output.log'), 'a');
  const child = spawn('/bin/sh', wrapperArgv(exitPath, '/bin/sh', command, cgroup ? { cgroup } : {}), {
    detached: true,
    stdio: ['ignore', log, log],
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

  it('fails with 125 and says why, without running the command, when it cannot enter its cgroup', async () => {
    // A cgroup directory that does not exist: the write to its cgroup.procs fails, as any failed join would.
    const cgroup = join(dir, 'no-such-cgroup');
    const code = await runWrapper(`touch ${join(dir, 'ran')}`, { PATH: '/usr/bin:/bin' }, cgroup);
    expect(code).toBe(125);
    expect(readExitRecord(join(dir, 'exit'))).toMatchObject({ status: 125 });
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(readFileSync(join(dir, 'output.log'), 'utf8')).toBe(
      `tend: the task could not enter its cgroup ${cgroup}, so its command was not run\n`,
    );
  });
});
