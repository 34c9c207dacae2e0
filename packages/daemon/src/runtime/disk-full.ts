import { TendDaemonError } from '../errors.js';

// ENOSPC: no space left on device; EDQUOT: quota exceeded (errno(3)); SQLITE_FULL: the
// database could not grow (sqlite.org/rescode.html#full).
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** True when `error` (or an error in its `cause` chain) says a filesystem or the database is out of space. */
export function isDiskFull(error: unknown): boolean {
  for (
    let current = error, depth = 0;
    current instanceof Error && depth < 5;
    current = current.cause, depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && DISK_FULL_CODES.has(code)) return true;
  }
  return false;
}

/**
 * The `disk_full` error a request gets while the filesystem of `path` (the
 * state directory) has no room: `data.path` names it.
 */
export function diskFullError(path: string, cause: unknown): TendDaemonError {
  return new TendDaemonError(
    'disk_full',
    `no space left on the filesystem of ${path}: tend starts no new task until space is freed there ` +
      '(reads still work, and tasks that end meanwhile are recorded once there is room)',
    { path },
    { cause },
  );
}
