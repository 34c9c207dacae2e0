// Reference for task/run: execa spawning tend's own task wrapper exactly as the
// daemon does (packages/daemon/src/tasks/spawn.ts): output.log opened O_APPEND
// and passed as a bare fd for stdout and stderr, stdin ignored, detached, no
// cleanup, no reject, no buffer — but with no RPC, no SQLite row, no /proc read.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * Spawns `/bin/sh WRAPPER DIR/exit /bin/sh COMMAND` with its output to
 * DIR/output.log (DIR is created). Returns `{pid, subprocess, logPath, exitPath}`
 * once the process exists (as the daemon's spawnTask does).
 */
export function spawnWrapper(wrapperPath, dir, command, { env } = {}) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const logPath = join(dir, 'output.log');
  const exitPath = join(dir, 'exit');
  const fd = openSync(logPath, 'a', 0o600);
  try {
    const subprocess = execa('/bin/sh', [wrapperPath, exitPath, '/bin/sh', command], {
      cwd: dir,
      ...(env ? { env, extendEnv: false } : {}),
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      stdout: fd,
      stderr: fd,
    });
    return { pid: subprocess.pid, subprocess, logPath, exitPath };
  } finally {
    closeSync(fd);
  }
}

/** Resolves with the subprocess's exit once it has ended (execa's promise never rejects here). */
export function ended(subprocess) {
  return new Promise((resolve) => {
    if (subprocess.exitCode !== null || subprocess.signalCode !== null) resolve();
    else subprocess.once('exit', () => resolve());
  });
}
