import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, fstatSync, openSync } from 'node:fs';
import { wrapperArgv } from './wrapper.js';
import { TASK_MARKER } from './task-signal.js';

/** What {@link spawnTask} needs. Paths absolute. */
export interface SpawnRequest {
  exitPath: string;
  logPath: string;
  /** Set as TEND_TASK_ID in the task's environment (the marker that ties descendants to it). */
  taskId: string;
  shell: string;
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** true: the daemon's environment under `capturedEnv` and `env`; false: only those two. */
  inheritEnv: boolean;
  /** The daemon's environment (with inheritEnv), as a plain object; absent: `process.env`. */
  daemonEnv?: Readonly<Record<string, string | undefined>>;
  /** The caller's environment, under `env`. */
  capturedEnv?: Record<string, string>;
  /** umask the wrapper sets before it runs the command (e.g. 0o022); undefined: the daemon's. */
  umask?: number;
  /** true: run the command under a pseudo-terminal (see {@link wrapperArgv}). */
  tty: boolean;
  /** The task's cgroup directory (already created), which the wrapper enters before the command runs. */
  cgroup?: string;
}

/** A started task process: the wrapper, leader of its own session and process group. */
export interface SpawnedTask {
  pid: number;
  /** The wrapper's ChildProcess: its `exit` event (code, signal) is the wrapper's end. */
  subprocess: ChildProcess;
  /** Device and inode of the output.log opened for it (the file the output cap may trim). */
  log: { dev: number; ino: number };
  /** Size of that output.log when it was opened, just before the wrapper started, in bytes. */
  logBytes: number;
}

/**
 * Starts the wrapper for one task (docs/design.md, "Process model"):
 * output.log opened O_APPEND and passed as a bare fd for stdout and stderr (no
 * pipe through the daemon, so a dead daemon neither blocks nor SIGPIPEs the
 * task), stdin /dev/null, TEND_TASK_ID=<task id> in its environment, detached
 * (setsid: own session, pgid = pid), with node's `child_process.spawn`: execa,
 * the design's choice elsewhere, cost ~33 KiB of retained state per live task,
 * ~7 MiB of modules loaded at start-up and ~0.7 ms of option handling per spawn
 * here, none of which serves a child whose output goes to a file and whose
 * exit status comes from the exit record (docs/design.md, "Dependencies").
 * @throws Error when the process could not be started, naming the OS error
 *   (e.g. `spawn /bin/sh ENOENT` when cwd vanished, `spawn /bin/sh EMFILE`, `spawn /bin/sh EAGAIN`).
 */
export async function spawnTask(request: SpawnRequest): Promise<SpawnedTask> {
  // O_NOFOLLOW: a symlink planted at the log's path is refused, never written through.
  const fd = openSync(
    request.logPath,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    const { dev, ino, size } = fstatSync(fd);
    // One copy: the daemon's environment (with inheritEnv), the caller's over it, the task's own over both.
    const env = {
      ...(request.inheritEnv ? (request.daemonEnv ?? process.env) : undefined),
      ...request.capturedEnv,
      ...request.env,
      [TASK_MARKER]: request.taskId,
    };
    const args = wrapperArgv(request.exitPath, request.shell, request.command, {
      umask: request.umask,
      tty: request.tty,
      ...(request.cgroup !== undefined ? { cgroup: request.cgroup } : {}),
    });
    const subprocess = startWrapper(args, {
      cwd: request.cwd,
      env,
      fd,
    });
    if (subprocess.pid === undefined) {
      // libuv reports EACCES, EAGAIN, EMFILE, ENFILE and ENOENT through an `error` event on the next tick.
      const error = await new Promise<NodeJS.ErrnoException>((resolve) => subprocess.once('error', resolve));
      if (error.code === 'ENOENT' && !existsSync(request.cwd))
        error.message = `${error.message} (cwd ${request.cwd} no longer exists)`;
      throw error;
    }
    return { pid: subprocess.pid, subprocess, log: { dev, ino }, logBytes: size };
  } finally {
    closeSync(fd);
  }
}

/**
 * `/bin/sh <args>` detached, stdin /dev/null, stdout and stderr the bare `fd`.
 * An `error` listener is always attached (an unheard `error` event would throw
 * in the daemon); spawnTask awaits the first one when the spawn failed.
 * @throws Error (ErrnoException) for spawn errors libuv reports synchronously (e.g. E2BIG), named like the others.
 */
function startWrapper(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; fd: number },
): ChildProcess {
  const subprocess = spawn('/bin/sh', args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', options.fd, options.fd],
  });
  subprocess.on('error', () => undefined);
  return subprocess;
}

/**
 * The shell that runs task commands: `$SHELL` when it is an absolute path to an
 * executable, else /bin/sh.
 */
export function pickShell(envShell: string | undefined): string {
  if (envShell?.startsWith('/')) {
    try {
      accessSync(envShell, constants.X_OK);
      return envShell;
    } catch {
      // fall through to /bin/sh
    }
  }
  return '/bin/sh';
}
