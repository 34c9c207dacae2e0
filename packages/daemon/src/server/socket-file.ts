import { lstatSync, unlinkSync, type Stats } from 'node:fs';

/** Raised when the socket path holds something that is not a Unix socket (a regular file, a directory…). */
export class SocketPathTakenError extends Error {
  override name = 'SocketPathTakenError';
}

/** Device and inode of a socket file, to tell ours from one put there later. */
export interface SocketFileIdentity {
  dev: number;
  ino: number;
}

/**
 * Removes a stale socket at `socketPath` before binding: only a Unix socket
 * that no process answers on (the caller checked) is removed; a missing path
 * is fine. Anything else — a regular file, a directory, a symlink — is left
 * untouched and refused, since TEND_SOCKET may point anywhere.
 * @throws SocketPathTakenError naming the path and what is there.
 */
export function removeStaleSocket(socketPath: string): void {
  let stat: Stats;
  try {
    stat = lstatSync(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stat.isSocket()) {
    throw new SocketPathTakenError(
      `${socketPath} is ${describe(stat)}, not a Unix socket; tend removes only a stale socket of its own and leaves this ` +
        'untouched. Point TEND_SOCKET (or TEND_HOME) somewhere else, or move that file away',
    );
  }
  unlinkSync(socketPath);
}

/** The identity of the socket file at `socketPath`, or undefined when none is there. */
export function socketIdentity(socketPath: string): SocketFileIdentity | undefined {
  try {
    const stat = lstatSync(socketPath);
    return stat.isSocket() ? { dev: stat.dev, ino: stat.ino } : undefined;
  } catch {
    return undefined;
  }
}

/** Unlinks `socketPath` only when it is still the socket file `identity` (the one this daemon bound). */
export function removeOwnSocket(socketPath: string, identity: SocketFileIdentity | undefined): void {
  const now = socketIdentity(socketPath);
  if (!identity || !now || now.dev !== identity.dev || now.ino !== identity.ino) return;
  try {
    unlinkSync(socketPath);
  } catch {
    // already gone
  }
}

function describe(stat: Stats): string {
  if (stat.isFile()) return `a regular file (${stat.size} bytes)`;
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a FIFO';
  return 'a device or other special file';
}
