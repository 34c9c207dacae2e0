import { describe, expect, it } from 'vitest';
import { DAEMON_ENV, daemonSpawnEnv } from './daemon-spawn.js';

describe('daemonSpawnEnv', () => {
  it('adds DAEMON_ENV variables the environment lacks and names them for the daemon to remove', () => {
    const env = daemonSpawnEnv({ PATH: '/usr/bin', TEND_HOME: '/tmp/h' });
    expect(env).toEqual({
      PATH: '/usr/bin',
      TEND_HOME: '/tmp/h',
      ...DAEMON_ENV,
      TEND_DAEMON_ONLY_ENV: Object.keys(DAEMON_ENV).join(','),
    });
    expect(env.MALLOC_ARENA_MAX).toBe('2');
  });

  it("keeps a variable the caller set, and does not name it (it stays in tasks' environment)", () => {
    const given = { PATH: '/usr/bin', MALLOC_ARENA_MAX: '8' };
    const env = daemonSpawnEnv(given);
    expect(env).toEqual(given);
    expect(env.TEND_DAEMON_ONLY_ENV).toBeUndefined();
  });
});
