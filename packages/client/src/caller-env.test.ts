import { describe, expect, it } from 'vitest';
import { callerEnvironment, currentUmask } from './caller-env.js';

describe('callerEnvironment', () => {
  it("returns this process's variables and umask, without the daemon's environment under them", () => {
    const got = callerEnvironment({ env: { A: '1', GONE: undefined } });
    expect(got).toEqual({ capturedEnv: { A: '1' }, inheritEnv: false, umask: currentUmask() });
  });

  it('keeps the daemon environment under the captured one with overDaemon', () => {
    expect(callerEnvironment({ env: {}, overDaemon: true }).inheritEnv).toBe(true);
  });

  it('defaults to process.env', () => {
    expect(callerEnvironment().capturedEnv.PATH).toBe(process.env.PATH);
  });
});

describe('currentUmask', () => {
  it('reads the umask as 4 octal digits without changing it', () => {
    const before = process.umask(0o027);
    try {
      expect(currentUmask()).toBe('0027');
      expect(currentUmask()).toBe('0027');
    } finally {
      process.umask(before);
    }
  });
});
