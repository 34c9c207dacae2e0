import { accessSync, closeSync, constants, fstatSync, openSync } from 'node:fs';
import { execa, type Options, type ResultPromise } from 'execa';
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
  subprocess: ResultPromise;
  /** Device and inode of the output.log opened for it (the file the output cap may trim). */
  log: { dev: number; ino: number };
}

/**
 * Starts the wrapper for one task (docs/design.md, "Process model"):
 * output.log opened O_APPEND and passed as a bare fd for stdout and stderr (no
 * pipe through the daemon, so a dead daemon neither blocks nor SIGPIPEs the
 * task), stdin /dev/null, TEND_TASK_ID=<task id> in its environment, detached (setsid: own session, pgid = pid), with
 * execa's `cleanup: false`, `reject: false`, `buffer: false`.
 * @throws Error when the process could not be started (the message is execa's, naming the OS error).
 */
export async function spawnTask(request: SpawnRequest): Promise<SpawnedTask> {
  // O_NOFOLLOW: a symlink planted at the log's path is refused, never written through.
  const fd = openSync(
    request.logPath,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    const { dev, ino } = fstatSync(fd);
    const options = {
      cwd: request.cwd,
      env: { ...request.capturedEnv, ...request.env, [TASK_MARKER]: request.taskId },
      extendEnv: request.inheritEnv,
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      // execa's types list only fds 3..9, but any open fd works at run time (execa docs, "stdout").
      stdout: fd as 3,
      stderr: fd as 3,
    } satisfies Options;
    const args = wrapperArgv(request.exitPath, request.shell, request.command, {
      umask: request.umask,
      tty: request.tty,
      ...(request.cgroup !== undefined ? { cgroup: request.cgroup } : {}),
    });
    const subprocess: ResultPromise = execa('/bin/sh', args, options);
    if (subprocess.pid === undefined) {
      // The spawn failed; execa reports why through its (non-rejecting) promise.
      const result = await subprocess;
      throw new Error(result.shortMessage ?? result.message ?? `could not start /bin/sh in ${request.cwd}`);
    }
    return { pid: subprocess.pid, subprocess, log: { dev, ino } };
  } finally {
    closeSync(fd);
  }
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
