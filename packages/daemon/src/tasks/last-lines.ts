import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { cleanText } from './output-filter.js';
import { completeUtf8Length, leadingContinuationBytes } from './output.js';

/** Most lines and bytes of output kept with a completion. */
export const TAIL_LINES = 10;
export const TAIL_BYTES = 2048;

/**
 * The last {@link TAIL_LINES} lines (within the last {@link TAIL_BYTES} bytes,
 * never before `droppedBytes`, the first byte the output cap kept) of the log at `path`, cleaned for reading (no ANSI,
 * progress redraws collapsed). Synchronous: it is taken in the transaction that
 * ends the task. A missing log gives ''.
 */
export function lastLines(path: string, droppedBytes = 0): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(droppedBytes, size - TAIL_BYTES);
    // One byte more, before the window: it tells whether the window starts a line.
    const from = Math.max(droppedBytes, start - 1);
    const buffer = Buffer.alloc(size - from);
    const read = readSync(fd, buffer, 0, buffer.length, from);
    const startsLine = from === start || buffer[0] === 0x0a;
    let bytes = buffer.subarray(start - from, read);
    if (start > 0) bytes = bytes.subarray(leadingContinuationBytes(bytes));
    bytes = bytes.subarray(0, completeUtf8Length(bytes));
    const lines = cleanText(bytes.toString('utf8')).split('\n');
    if (lines.at(-1) === '') lines.pop();
    // The first line may be cut by the byte window unless the window began at the start of the log.
    if (start > droppedBytes && !startsLine && lines.length > 1) lines.shift();
    return lines.slice(-TAIL_LINES).join('\n');
  } finally {
    closeSync(fd);
  }
}
