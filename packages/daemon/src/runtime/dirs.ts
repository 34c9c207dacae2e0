import { chmodSync, lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { dirname, parse, sep } from 'node:path';

/** Raised when a directory tend must own, or one on the path to it, is unsafe (not ours, writable by others, not a directory). */
export class UnsafeDirectoryError extends Error {
  override name = 'UnsafeDirectoryError';
}

/**
 * Creates `dir` (and parents) with mode 0700 if missing, then checks it the way
 * OpenSSH's StrictModes checks `~/.ssh` (sshd_config(5); `safe_path` in
 * OpenSSH's misc.c): every directory from `/` down to its parent must pass
 * {@link checkPathTo}, and `dir` itself must be a real directory (not a
 * symlink) owned by the current user; a wider mode is narrowed to 0700.
 * Other users must not reach the socket or the task logs, nor rename a
 * directory of tend's to plant their own files in its place.
 * @throws UnsafeDirectoryError naming the directory and the fix.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    // A file in the way: the lstat below says so clearly.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  checkPathTo(dirname(dir));
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) {
    throw new UnsafeDirectoryError(
      `${dir} is not a directory (a symlink or a file?); remove it and start again`,
    );
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

/**
 * Checks every existing directory from `/` down to `dir` (inclusive), both as
 * written and with symlinks resolved: each must be owned by root or the
 * current user, and must not be writable by group or others — unless it has
 * the sticky bit (like /tmp, mode 1777), where others cannot rename or delete
 * what is ours. A directory not created yet is skipped (tend creates it 0700).
 * This is the rule OpenSSH applies to the path of `authorized_keys` under
 * StrictModes, with systemd's exception for sticky world-writable parents.
 * @throws UnsafeDirectoryError naming the first unsafe directory, why, and the fix.
 */
export function checkPathTo(dir: string): void {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const written = prefixes(dir);
  let deepest: string | undefined;
  for (const path of written) {
    const stat = lstatOrUndefined(path);
    if (!stat) break;
    deepest = path;
    // A symlink's own mode means nothing; its parent (checked) guards it, and its target is checked below.
    if (!stat.isSymbolicLink()) checkOne(path, stat, uid);
  }
  if (deepest === undefined) return;
  for (const path of prefixes(realpathSync(deepest))) {
    checkOne(path, lstatSync(path), uid);
  }
}

function checkOne(path: string, stat: Stats, uid: number): void {
  if (!stat.isDirectory()) {
    throw new UnsafeDirectoryError(
      `${path} is on the path to tend's files but is not a directory; fix the path (TEND_HOME, XDG_*)`,
    );
  }
  if (stat.uid !== 0 && stat.uid !== uid) {
    throw new UnsafeDirectoryError(
      `refusing to use ${path}: it belongs to uid ${stat.uid}, neither you (uid ${uid}) nor root, so its owner could ` +
        `replace tend's files below it. Use a directory of your own (TEND_HOME, XDG_RUNTIME_DIR, XDG_STATE_HOME), ` +
        `or give it to you: chown ${uid} ${path}`,
    );
  }
  const sticky = (stat.mode & 0o1000) !== 0;
  if ((stat.mode & 0o022) !== 0 && !sticky) {
    const who = (stat.mode & 0o002) !== 0 ? 'every user' : 'its group';
    throw new UnsafeDirectoryError(
      `refusing to use ${path}: it is writable by ${who} (mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')}), ` +
        `who could rename tend's directories and plant their own files. Fix it with: chmod go-w ${path}`,
    );
  }
}

/** `/a/b/c` → [`/`, `/a`, `/a/b`, `/a/b/c`]. */
function prefixes(path: string): string[] {
  const { root } = parse(path);
  const parts = path
    .slice(root.length)
    .split(sep)
    .filter((part) => part !== '');
  const out = [root];
  let current = root;
  for (const part of parts) {
    current = current.endsWith(sep) ? current + part : current + sep + part;
    out.push(current);
  }
  return out;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
