import { describe, expect, it } from 'vitest';
import { takeDaemonOnlyEnv } from './start-status.js';

describe('takeDaemonOnlyEnv', () => {
  it('removes the variables TEND_DAEMON_ONLY_ENV names, and that variable', () => {
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/bin',
      MALLOC_ARENA_MAX: '2',
      OTHER: 'x',
      TEND_DAEMON_ONLY_ENV: 'MALLOC_ARENA_MAX,OTHER',
    };
    expect(takeDaemonOnlyEnv(env)).toEqual(['MALLOC_ARENA_MAX', 'OTHER']);
    expect(env).toEqual({ PATH: '/usr/bin' });
  });

  it("never removes tend's own variables or names that are not variable names", () => {
    const env: NodeJS.ProcessEnv = {
      TEND_HOME: '/tmp/h',
      'A=B': 'odd',
      MALLOC_ARENA_MAX: '2',
      TEND_DAEMON_ONLY_ENV: 'TEND_HOME,A=B,,MALLOC_ARENA_MAX',
    };
    expect(takeDaemonOnlyEnv(env)).toEqual(['MALLOC_ARENA_MAX']);
    expect(env).toEqual({ TEND_HOME: '/tmp/h', 'A=B': 'odd' });
  });

  it('leaves the environment alone without TEND_DAEMON_ONLY_ENV', () => {
    const env: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: '4' };
    expect(takeDaemonOnlyEnv(env)).toEqual([]);
    expect(env).toEqual({ MALLOC_ARENA_MAX: '4' });
  });
});
