import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { CLI_BIN, cleanUpTendHome } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

/** Debian's OpenSSH server binary (package openssh-server; .ci/run installs it). */
export const SSHD_BIN = '/usr/sbin/sshd';

/** A private sshd on a loopback port, and a "remote" tend behind it with its own TEND_HOME. */
export interface SshdFixture {
  /** Temp directory holding keys, configs, the sshd pid file and the remote TEND_HOME. */
  dir: string;
  port: number;
  /** `ssh://<user>@127.0.0.1:<port>`. */
  host: string;
  /** TEND_HOME of the remote side (what `tend daemon dial-stdio` behind sshd uses). */
  remoteHome: string;
  /** The client's ssh config (`ssh -F`): the test key, the test known_hosts, BatchMode. */
  sshConfig: string;
  /** Variables that make a local CLI reach the remote tend: TEND_HOST, TEND_SSH_COMMAND, TEND_REMOTE_COMMAND. */
  clientEnv: { TEND_HOST: string; TEND_SSH_COMMAND: string; TEND_REMOTE_COMMAND: string };
  /** Pid of the sshd listener this fixture started. */
  sshdPid: number;
  /** Stops the remote tend's daemon and tasks (by recorded pids), then sshd by its pid, and removes `dir`. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function keygen(path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tend-test', '-f', path], {
    stdio: 'ignore',
  });
}

/**
 * Starts `/usr/sbin/sshd -D -e -f <temp sshd_config> -p <free port> -h <temp host key>`, listening on 127.0.0.1
 * only, accepting one throwaway key pair made here (AuthorizedKeysFile, PidFile in the temp dir, StrictModes no,
 * no passwords, no PAM). The "remote" tend is `<dir>/remote-tend`, a wrapper that exports its own TEND_HOME and
 * runs the workspace's built CLI (TEND_REMOTE_COMMAND). Nothing under ~/.ssh or /etc/ssh is read or written:
 * the client gets `ssh -F <dir>/ssh_config` (TEND_SSH_COMMAND) with its own known_hosts.
 * @throws Error when sshd is missing (install openssh-server: .ci/run does) or does not let the test key in within 45 s.
 */
export async function startSshd(): Promise<SshdFixture> {
  if (!existsSync(SSHD_BIN))
    throw new Error(
      `${SSHD_BIN} is missing: install Debian's openssh-server and openssh-client (.ci/run does)`,
    );
  if (!existsSync('/run/sshd'))
    throw new Error('/run/sshd (sshd privilege separation directory) is missing: .ci/run creates it');
  const dir = mkdtempSync('/tmp/tend-ssh-');
  chmodSync(dir, 0o755);
  const remoteHome = join(dir, 'remote-home');
  mkdirSync(remoteHome);
  const port = await freePort();
  const user = userInfo().username;
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const hostPub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
  const sshdConfig = join(dir, 'sshd_config');
  writeFileSync(
    sshdConfig,
    [
      'ListenAddress 127.0.0.1',
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'LogLevel ERROR',
      // bash sources ~/.bashrc for a command run by sshd when SHLVL < 2 (bash's SSH_SOURCE_BASHRC); the user's
      // .bashrc (pyenv init, nvm…) is not the test's business and cost seconds per connection here.
      'SetEnv SHLVL=1',
      '',
    ].join('\n'),
  );
  const sshConfig = join(dir, 'ssh_config');
  writeFileSync(
    sshConfig,
    [
      'Host *',
      `  IdentityFile ${join(dir, 'client_key')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const remoteTend = join(dir, 'remote-tend');
  writeFileSync(
    remoteTend,
    [
      '#!/bin/sh',
      `export TEND_HOME='${remoteHome}'`,
      `export PATH='${join(process.execPath, '..')}':"$PATH"`,
      'export TEND_SYSTEMD_SCOPE=0',
      `exec '${process.execPath}' '${CLI_BIN}' "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const child: ChildProcess = spawn(
    SSHD_BIN,
    ['-D', '-e', '-f', sshdConfig, '-p', String(port), '-h', join(dir, 'host_key')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let sshdStderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (sshdStderr += text));
  const sshdPid = child.pid as number;
  const clientEnv = {
    TEND_HOST: `ssh://${user}@127.0.0.1:${port}`,
    TEND_SSH_COMMAND: `exec ssh -F ${sshConfig}`,
    TEND_REMOTE_COMMAND: remoteTend,
  };
  const stop = async (): Promise<void> => {
    await cleanUpTendHome(remoteHome).catch(() => undefined);
    if (isAlive(sshdPid)) process.kill(sshdPid, 'SIGTERM');
    await pollUntil('sshd to exit', () => child.exitCode !== null || child.signalCode !== null).catch(() => {
      if (isAlive(sshdPid)) process.kill(sshdPid, 'SIGKILL');
    });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pollUntil(
      'sshd to accept the test key',
      () => {
        if (child.exitCode !== null) throw new Error(`sshd exited ${child.exitCode}: ${sshdStderr}`);
        try {
          execFileSync('ssh', ['-F', sshConfig, '-p', String(port), `${user}@127.0.0.1`, 'true'], {
            stdio: 'ignore',
            timeout: 20_000,
          });
          return true;
        } catch {
          return false;
        }
      },
      // A login takes seconds on a machine whose cores are busy with other tests.
      { intervalMs: 100, timeoutMs: 45_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, port, host: clientEnv.TEND_HOST, remoteHome, sshConfig, clientEnv, sshdPid, stop };
}
