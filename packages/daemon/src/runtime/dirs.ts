import { chmodSync, lstatSync, mkdirSync } from 'node:fs';

/** Raised when a directory tend must own is unsafe (not ours, not a directory). */
export class UnsafeDirectoryError extends Error {
  override name = 'UnsafeDirectoryError';
}

/**
 * Creates `dir` (and parents) with mode 0700 if missing, then checks that it is
 * a real directory (not a symlink) owned by the current user; a wider mode is
 * narrowed to 0700. Other users must not reach the socket or the task logs.
 * @throws UnsafeDirectoryError when it is not a directory or belongs to another user.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    // A file in the way: the lstat below says so clearly.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) {
    throw new UnsafeDirectoryError(`${dir} is not a directory (a symlink or a file?); remove it and start again`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new UnsafeDirectoryError(
      `${dir} belongs to uid ${stat.uid}, not to you (uid ${uid}); refusing to use it. ` +
        'Set TEND_HOME or XDG_RUNTIME_DIR to a directory of your own.',
    );
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
