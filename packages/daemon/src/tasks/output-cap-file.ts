import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * The file-level steps of the output cap (docs/design.md, "Output and its
 * cap"): telling the output.log tend created from whatever the path names
 * later, finding where the kept lines start, and punching the hole. The
 * policy (when, how much, recording `droppedBytes`) is in output-cap.ts.
 */

/** How far past the punched block the start of the next line is looked for (bytes); a longer line is kept cut. */
const LINE_SEARCH_BYTES = 64 * 1024;

/** Device and inode of the output.log tend created, to tell it from whatever the path names later. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/**
 * Deallocates bytes [0, `length`) of the file open as `fd` (`length` in bytes,
 * a multiple of the filesystem block); the file keeps its size and offsets.
 * Resolves when the hole is punched; rejects when it cannot be. Does not close
 * `fd`. Injectable into the enforcer (tests hold a trim with it).
 */
export type PunchHead = (fd: number, length: number) => Promise<void>;

export function identityOf(stat: Stats): FileIdentity {
  return { dev: stat.dev, ino: stat.ino };
}

export function sameFile(stat: Stats, identity: FileIdentity): boolean {
  return stat.dev === identity.dev && stat.ino === identity.ino;
}

/**
 * Opens `path` for reading and writing without following a symlink; returns
 * the descriptor only if it is still the file `identity`, else undefined
 * (never throws: a path gone or replaced is undefined).
 */
export function openOwnLog(path: string, identity: FileIdentity): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && sameFile(stat, identity)) return fd;
  } catch {
    // Treated as not ours.
  }
  closeQuietly(fd);
  return undefined;
}

/** Closes `fd`, ignoring an error (the descriptor is given up either way). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // EBADF/EIO: nothing left to do with it.
  }
}

/**
 * The offset of the first line that starts at or after `from` in the log open
 * as `fd` (of `size` bytes): `from` when the byte before it is a newline, else
 * just past the next newline within {@link LINE_SEARCH_BYTES}; `from` itself
 * when there is none (one very long line) or the log cannot be read.
 */
export function lineStartFrom(fd: number, from: number, size: number): number {
  if (from <= 0) return from;
  const length = Math.min(size - from + 1, LINE_SEARCH_BYTES + 1);
  const buffer = Buffer.alloc(length);
  try {
    const bytesRead = readSync(fd, buffer, 0, length, from - 1);
    const newline = buffer.subarray(0, bytesRead).indexOf(10);
    return newline === -1 ? from : from + newline;
  } catch {
    return from;
  }
}

/**
 * The {@link PunchHead} of the daemon: `fallocate --punch-hole` (util-linux;
 * fallocate(2) FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) on `fd`, handed to
 * it as fd 3 (`/proc/self/fd/3`). Rejects with the exit status and fallocate's
 * stderr (e.g. a filesystem without punch-hole), or the spawn error; never
 * throws synchronously.
 */
export const punchHead: PunchHead = (fd, length) =>
  new Promise<void>((resolve, reject) => {
    let stderr = '';
    const child = spawn(
      'fallocate',
      ['--punch-hole', '--offset', '0', '--length', String(length), '/proc/self/fd/3'],
      { stdio: ['ignore', 'ignore', 'pipe', fd] },
    );
    child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const status = signal ? `signal ${signal}` : `exit code ${code}`;
      reject(new Error(`fallocate ended with ${status}${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    });
  });
