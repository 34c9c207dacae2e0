import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pathEnv } from './daemon-env.js';

let base: string;
const uid = process.getuid!();

beforeEach(() => {
  base = mkdtempSync('/tmp/tend-run-user-');
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

describe.runIf(process.platform === 'linux')('the environment tend paths are resolved with', () => {
  it("gets the user's private /run/user/<uid> as XDG_RUNTIME_DIR when a client stripped it, so the agent finds the user's daemon", () => {
    const dir = join(base, String(uid));
    mkdirSync(dir, { mode: 0o700 });
    expect(pathEnv({ HOME: '/home/ada' }, uid, base)).toEqual({ HOME: '/home/ada', XDG_RUNTIME_DIR: dir });
  });

  it('is left alone when TEND_HOME, TEND_SOCKET or XDG_RUNTIME_DIR decide, or no private directory exists', () => {
    mkdirSync(join(base, String(uid)), { mode: 0o700 });
    for (const env of [
      { TEND_HOME: '/tmp/t' },
      { TEND_SOCKET: '/tmp/s.sock' },
      { XDG_RUNTIME_DIR: '/run/other' },
    ]) {
      expect(pathEnv(env, uid, base)).toBe(env);
    }
    expect(pathEnv({}, uid + 1, base)).toEqual({});
    chmodSync(join(base, String(uid)), 0o755);
    expect(pathEnv({}, uid, base)).toEqual({});
  });
});
