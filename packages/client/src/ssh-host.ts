import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { DaemonStoppedError, RemoteHostError } from './errors.js';
import type { SshHost } from './ssh-url.js';

/** Longest ssh stderr quoted in a {@link RemoteHostError}, in characters (its last ones). */
const MAX_STDERR_CHARS = 4_000;

/** The remote command run by default: `tend` from the remote login shell's PATH. */
export const DEFAULT_REMOTE_COMMAND = 'tend';

/** How {@link openSshStream} runs ssh. */
export interface SshOptions {
  /** Environment of the ssh process; TEND_SSH_COMMAND and TEND_REMOTE_COMMAND are read from it. */
  env: Record<string, string | undefined>;
  /** ssh's ConnectTimeout, in ms (rounded up to whole seconds). */
  connectTimeoutMs: number;
  /**
   * A reconnect after the daemon of this pid was lost: the remote `tend daemon dial-stdio --after-pid <pid>`
   * then applies the local reconnect rules there (no new daemon while that pid still exists; none at all
   * when it was stopped on purpose: exit {@link DIAL_STOPPED_EXIT}).
   */
  afterPid?: number;
}

/** Exit status of `tend daemon dial-stdio --after-pid N` when daemon N was stopped on purpose (tend daemon stop). */
export const DIAL_STOPPED_EXIT = 3;

/**
 * The argv that runs `tend daemon dial-stdio` on `host`: `ssh -T -o ConnectTimeout=<s> [-l user] [-p port]
 * -- host <remote> daemon dial-stdio`, as docker's connection helper does (ssh's own config, keys, agent and
 * known_hosts apply). `TEND_SSH_COMMAND` replaces `ssh` (run by `sh -c`, like GIT_SSH_COMMAND: e.g.
 * `ssh -F ~/work/ssh_config`); `TEND_REMOTE_COMMAND` replaces the remote `tend` (a word list the remote
 * shell runs, e.g. `~/.local/bin/tend` or `/opt/tend/bin/tend`).
 */
export function sshArgv(host: SshHost, options: SshOptions): string[] {
  const seconds = Math.max(1, Math.ceil(options.connectTimeoutMs / 1000));
  const remote = options.env.TEND_REMOTE_COMMAND?.trim() || DEFAULT_REMOTE_COMMAND;
  const args = [
    '-T',
    '-o',
    `ConnectTimeout=${seconds}`,
    ...(host.user !== undefined ? ['-l', host.user] : []),
    ...(host.port !== undefined ? ['-p', String(host.port)] : []),
    '--',
    host.hostname,
    `${remote} daemon dial-stdio${options.afterPid !== undefined ? ` --after-pid ${options.afterPid}` : ''}`,
  ];
  const custom = options.env.TEND_SSH_COMMAND?.trim();
  // As git does with GIT_SSH_COMMAND: the shell splits the user's words, "$@" passes ours untouched.
  return custom ? ['/bin/sh', '-c', `${custom} "$@"`, 'tend-ssh', ...args] : ['ssh', ...args];
}

/**
 * How long a destroyed {@link SshStream} whose ssh already closed its stdout waits for ssh to exit on its own
 * before ending it with SIGTERM, in ms.
 */
export const SSH_EXIT_GRACE_MS = 2_000;

/**
 * A Duplex over an ssh child's stdin/stdout (what the JSON-RPC channel reads and writes, as it would a
 * socket). It closes when ssh exits; destroying it ends ssh (SIGTERM; after {@link SSH_EXIT_GRACE_MS} when ssh's
 * stdout already ended, so that ssh reports the remote command's exit status rather than its own 255).
 */
export class SshStream extends Duplex {
  /** ssh's stderr, its last {@link MAX_STDERR_CHARS} characters. */
  stderr = '';
  /** ssh's exit status once it exited (null when killed by a signal). */
  exitCode: number | null | undefined;
  /** The error that kept ssh from starting (ENOENT: no ssh binary), if any. */
  spawnError: Error | undefined;
  private readonly exited: Promise<void>;
  /** True once ssh's stdout ended: the remote command is done and ssh is about to exit with its status. */
  private stdoutEnded = false;

  constructor(
    readonly host: SshHost,
    readonly child: ChildProcess,
  ) {
    super({ allowHalfOpen: false });
    const stdout = child.stdout;
    const stdin = child.stdin;
    if (!stdout || !stdin || !child.stderr) throw new Error('ssh must be spawned with piped stdio');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-MAX_STDERR_CHARS);
    });
    stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout.pause();
    });
    stdout.on('end', () => {
      this.stdoutEnded = true;
      this.push(null);
    });
    // EPIPE once ssh is gone: the exit below closes this stream.
    stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.spawnError = error;
        this.exitCode = null;
        this.destroy();
        resolve();
      });
      child.once('close', (code) => {
        this.exitCode = code;
        this.destroy();
        resolve();
      });
    });
  }

  /** Resolves once ssh has exited and its stderr is complete. */
  whenExited(): Promise<void> {
    return this.exited;
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed) {
      callback(new Error('ssh has exited'));
      return;
    }
    stdin.write(chunk, (error) => callback(error ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin?.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      if (this.stdoutEnded) {
        // The remote side is done and ssh is exiting with the remote command's status (127: no tend there):
        // a SIGTERM now would replace that status by ssh's own 255. Give it a moment first.
        const timer = setTimeout(() => child.kill('SIGTERM'), SSH_EXIT_GRACE_MS);
        timer.unref();
        child.once('exit', () => clearTimeout(timer));
      } else {
        child.kill('SIGTERM');
      }
    }
    callback(error);
  }

  /**
   * The error for an ssh that ended before the daemon answered: ssh's own message (its stderr), with
   * advice for the remote command not found (exit 127); DaemonStoppedError when a reconnect's
   * dial-stdio said the daemon was stopped on purpose.
   */
  failure(what: string): RemoteHostError | DaemonStoppedError {
    const said = this.stderr.trim();
    const code = this.exitCode ?? null;
    if (code === DIAL_STOPPED_EXIT && this.child.spawnargs.at(-1)?.includes(' --after-pid ')) {
      return new DaemonStoppedError(
        `${said.replace(/^tend: /, '') || 'the tend daemon was stopped'} (on ${this.host.url}); its tasks keep running, and any tend command starts a new daemon there`,
      );
    }
    let message: string;
    if (this.spawnError) {
      message = `cannot run ssh to reach ${this.host.url}: ${this.spawnError.message} (install OpenSSH's client, or set TEND_SSH_COMMAND)`;
    } else if (code === 127 || code === 126) {
      message =
        `no tend on ${this.host.url}: the remote shell could not run "${this.remoteCommand()} daemon dial-stdio" (exit ${code})` +
        `${said ? `: ${said}` : ''}; install tend there (on the PATH of a non-interactive login), or set TEND_REMOTE_COMMAND to its path`;
    } else {
      const how = code === null ? 'was killed' : `exited with status ${code}`;
      message = `ssh to ${this.host.url} ${how} ${what}${said ? `: ${said}` : ''}`;
    }
    return new RemoteHostError(message, { host: this.host.url, exitCode: code, stderr: said });
  }

  private remoteCommand(): string {
    return (
      this.child.spawnargs.at(-1)?.replace(/ daemon dial-stdio( --after-pid \d+)?$/, '') ??
      DEFAULT_REMOTE_COMMAND
    );
  }
}

/**
 * Starts `ssh … host tend daemon dial-stdio` (see {@link sshArgv}) and returns the stream over its stdio.
 * Errors (host key, auth, no tend) show once ssh exits: see {@link SshStream.failure}.
 */
export function openSshStream(host: SshHost, options: SshOptions): SshStream {
  const [file, ...args] = sshArgv(host, options);
  const child = spawn(file as string, args, {
    env: options.env as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new SshStream(host, child);
}
