import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RemoteHostError } from './errors.js';
import { openSshStream, sshArgv } from './ssh-host.js';
import { parseSshHost } from './ssh-url.js';

describe('parseSshHost', () => {
  it('reads user, host and port of ssh://[user@]host[:port]', () => {
    expect(parseSshHost('ssh://devbox')).toEqual({ url: 'ssh://devbox', hostname: 'devbox' });
    expect(parseSshHost('ssh://me@10.0.0.5:2222')).toEqual({
      url: 'ssh://me@10.0.0.5:2222',
      user: 'me',
      hostname: '10.0.0.5',
      port: 2222,
    });
    expect(parseSshHost('ssh://[::1]:22/')).toMatchObject({ hostname: '::1', port: 22 });
  });

  it.each([
    ['tcp://devbox:2375', 'only ssh:// hosts are supported'],
    ['devbox', 'only ssh:// hosts are supported'],
    ['ssh://me:secret@devbox', 'a password cannot be given'],
    ['ssh://devbox/home/me', 'no path, query or fragment'],
    ['ssh://devbox:99999', 'not a URL'],
  ])('refuses %s, naming the value and the form', (url, why) => {
    const error = (() => {
      try {
        parseSshHost(url);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RemoteHostError);
    expect((error as Error).message).toContain(JSON.stringify(url));
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).toContain('ssh://[user@]host[:port]');
  });
});

describe('sshArgv', () => {
  const host = parseSshHost('ssh://me@devbox:2222');

  it('runs the system ssh without a terminal, with a connect timeout, user and port, then the remote dial-stdio', () => {
    expect(sshArgv(host, { env: {}, connectTimeoutMs: 10_000 })).toEqual([
      'ssh',
      '-T',
      '-o',
      'ConnectTimeout=10',
      '-l',
      'me',
      '-p',
      '2222',
      '--',
      'devbox',
      'tend daemon dial-stdio',
    ]);
  });

  it('takes TEND_SSH_COMMAND through sh, as git takes GIT_SSH_COMMAND, and TEND_REMOTE_COMMAND for the remote tend', () => {
    const argv = sshArgv(parseSshHost('ssh://devbox'), {
      env: { TEND_SSH_COMMAND: 'ssh -F /tmp/x', TEND_REMOTE_COMMAND: '/opt/tend/bin/tend' },
      connectTimeoutMs: 1_500,
      afterPid: 4242,
    });
    expect(argv).toEqual([
      '/bin/sh',
      '-c',
      'ssh -F /tmp/x "$@"',
      'tend-ssh',
      '-T',
      '-o',
      'ConnectTimeout=2',
      '--',
      'devbox',
      '/opt/tend/bin/tend daemon dial-stdio --after-pid 4242',
    ]);
  });
});

describe('SshStream', () => {
  // A stand-in for ssh (TEND_SSH_COMMAND), so that no network or sshd is involved.
  const open = (fakeSsh: string) =>
    openSshStream(parseSshHost('ssh://example.invalid'), {
      env: { PATH: process.env.PATH, TEND_SSH_COMMAND: fakeSsh },
      connectTimeoutMs: 1_000,
    });

  it("keeps the remote command's exit status when destroyed after ssh closed its stdout (127 stays 127)", async () => {
    // ssh closes its stdout when the remote side is done, then exits with the remote status a moment later:
    // a SIGTERM in between (the channel's close destroying the stream) made it 255 (test/ssh-remote.e2e flaked).
    const stream = open(`exec sh -c 'exec >&-; sleep 1; exit 127' fake-ssh`);
    stream.resume();
    await once(stream, 'end');
    stream.destroy();
    await stream.whenExited();
    expect(stream.exitCode).toBe(127);
    expect(stream.failure('before the tend daemon answered').message).toMatch(
      /^no tend on ssh:\/\/example\.invalid/,
    );
  });

  it('ends an ssh whose stdout is still open with SIGTERM when destroyed', async () => {
    // The fake takes ssh's arguments into an inner shell's $@ (sleep would refuse them and exit 1 at once).
    const stream = open(`exec sh -c 'exec sleep 600' fake-ssh`);
    stream.destroy();
    await stream.whenExited();
    expect(stream.exitCode).toBeNull();
    expect(stream.child.signalCode).toBe('SIGTERM');
  });
});
