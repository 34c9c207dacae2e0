import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** How many trailing lines of the daemon log a {@link DaemonUnreachableError} quotes. */
export const DAEMON_LOG_TAIL_LINES = 20;

// Enough for 20 pino JSON lines; bounds the read when the log is large.
const MAX_TAIL_BYTES = 64 * 1024;

/**
 * The last `lines` non-empty lines of the file at `path`, oldest first, read from
 * at most its last 64 KiB. Returns an empty array when the file is missing or
 * unreadable: it only decorates an error message, so it never throws.
 */
export function readDaemonLogTail(path: string, lines = DAEMON_LOG_TAIL_LINES): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, MAX_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, size - length);
    let text = buffer.subarray(0, read).toString('utf8');
    // Drop a first line cut in the middle by the byte window.
    if (length < size) text = text.slice(text.indexOf('\n') + 1);
    return text
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line.length > 0)
      .slice(-lines);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
