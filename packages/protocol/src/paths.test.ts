import { describe, expect, it } from 'vitest';
import { MAX_SOCKET_PATH_BYTES, SocketPathTooLongError, checkSocketPath, resolvePaths } from './paths.js';

describe('resolvePaths', () => {
  it('puts everything under TEND_HOME when it is set, ignoring the XDG variables', () => {
    const paths = resolvePaths({
      env: {
        TEND_HOME: '/tmp/th',
        XDG_RUNTIME_DIR: '/run/user/1000',
        XDG_STATE_HOME: '/xs',
        XDG_CONFIG_HOME: '/xc',
      },
      uid: 1000,
      home: '/home/ada',
    });
    expect(paths).toEqual({
      runtimeDir: '/tmp/th/run',
      socketPath: '/tmp/th/run/tend.sock',
      lockPath: '/tmp/th/run/daemon.lock',
      daemonJsonPath: '/tmp/th/run/daemon.json',
      stoppedPath: '/tmp/th/run/stopped.json',
      stateDir: '/tmp/th/state',
      dbPath: '/tmp/th/state/tend.db',
      logPath: '/tmp/th/state/daemon.log',
      tasksDir: '/tmp/th/state/tasks',
      configDir: '/tmp/th/config',
      configPath: '/tmp/th/config/config.json',
    });
  });

  it('uses the XDG base directories when TEND_HOME is not set', () => {
    const paths = resolvePaths({
      env: {
        XDG_RUNTIME_DIR: '/run/user/1000',
        XDG_STATE_HOME: '/home/ada/st',
        XDG_CONFIG_HOME: '/home/ada/cf',
      },
      uid: 1000,
      home: '/home/ada',
    });
    expect(paths.runtimeDir).toBe('/run/user/1000/tend');
    expect(paths.socketPath).toBe('/run/user/1000/tend/tend.sock');
    expect(paths.stateDir).toBe('/home/ada/st/tend');
    expect(paths.dbPath).toBe('/home/ada/st/tend/tend.db');
    expect(paths.tasksDir).toBe('/home/ada/st/tend/tasks');
    expect(paths.configPath).toBe('/home/ada/cf/tend/config.json');
  });

  it('falls back to /tmp/tend-<uid> and the home directory when nothing is set', () => {
    const paths = resolvePaths({ env: {}, uid: 4242, home: '/home/ada' });
    expect(paths.runtimeDir).toBe('/tmp/tend-4242');
    expect(paths.socketPath).toBe('/tmp/tend-4242/tend.sock');
    expect(paths.stateDir).toBe('/home/ada/.local/state/tend');
    expect(paths.logPath).toBe('/home/ada/.local/state/tend/daemon.log');
    expect(paths.configDir).toBe('/home/ada/.config/tend');
  });

  it('takes the uid from the current process and the home from $HOME when they are not given', () => {
    const paths = resolvePaths({ env: { HOME: '/home/bob' } });
    expect(paths.runtimeDir).toBe(`/tmp/tend-${process.getuid?.() ?? 0}`);
    expect(paths.stateDir).toBe('/home/bob/.local/state/tend');
  });

  it('treats empty variables as unset', () => {
    const paths = resolvePaths({
      env: { TEND_HOME: '', TEND_SOCKET: '', XDG_RUNTIME_DIR: '', XDG_STATE_HOME: '', XDG_CONFIG_HOME: '' },
      uid: 7,
      home: '/h',
    });
    expect(paths.socketPath).toBe('/tmp/tend-7/tend.sock');
    expect(paths.stateDir).toBe('/h/.local/state/tend');
    expect(paths.configDir).toBe('/h/.config/tend');
  });

  it('lets TEND_SOCKET override the socket path alone', () => {
    const base = resolvePaths({ env: { TEND_HOME: '/tmp/th' }, uid: 1 });
    const paths = resolvePaths({ env: { TEND_HOME: '/tmp/th', TEND_SOCKET: '/tmp/s.sock' }, uid: 1 });
    expect(paths.socketPath).toBe('/tmp/s.sock');
    expect({ ...paths, socketPath: base.socketPath }).toEqual(base);
  });

  it('normalizes the joined paths', () => {
    expect(resolvePaths({ env: { XDG_RUNTIME_DIR: '/run/user/1000/' }, uid: 1, home: '/h' }).socketPath).toBe(
      '/run/user/1000/tend/tend.sock',
    );
  });
});

describe('checkSocketPath', () => {
  it('throws SocketPathTooLongError for a 200-byte path, with a message that gives the size and the fix', () => {
    const long = `/tmp/${'x'.repeat(195)}`;
    expect(Buffer.byteLength(long)).toBe(200);
    let thrown: unknown;
    try {
      checkSocketPath(long);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SocketPathTooLongError);
    const error = thrown as SocketPathTooLongError;
    expect(error.name).toBe('SocketPathTooLongError');
    expect(error.socketPath).toBe(long);
    expect(error.message).toContain('200 bytes');
    expect(error.message).toContain(`${MAX_SOCKET_PATH_BYTES}-byte`);
    expect(error.message).toMatch(/TEND_HOME or TEND_SOCKET/);
  });

  it('accepts a short path', () => {
    expect(() => checkSocketPath('/run/user/1000/tend/tend.sock')).not.toThrow();
  });

  it('accepts exactly 103 bytes and refuses 104', () => {
    expect(MAX_SOCKET_PATH_BYTES).toBe(103);
    expect(() => checkSocketPath(`/${'a'.repeat(102)}`)).not.toThrow();
    expect(() => checkSocketPath(`/${'a'.repeat(103)}`)).toThrow(SocketPathTooLongError);
  });

  it('counts bytes, not characters', () => {
    const path = `/${'é'.repeat(60)}`; // 61 characters, 121 bytes
    expect(() => checkSocketPath(path)).toThrow(SocketPathTooLongError);
  });
});
