import { open, type FileHandle } from 'node:fs/promises';

/** Which part of the log to read; at most one of offset, head, tail. */
export interface OutputSelection {
  offset?: number;
  head?: { bytes?: number; lines?: number };
  tail?: { bytes?: number; lines?: number };
  /** Most bytes returned. */
  limit: number;
  /** The log will not grow (task ended): a partial character at its very end is returned (as U+FFFD). */
  final?: boolean;
  /** Bytes the output cap dropped at the head of the log (the offset of the oldest byte kept). Default 0. */
  droppedBytes?: number;
  /** `base64`: `data` is the exact bytes, base64-encoded, cut anywhere (no UTF-8 alignment). Default `utf8`. */
  encoding?: 'utf8' | 'base64';
}

/** One bounded read of a log: `data` is bytes [offset, nextOffset) decoded as UTF-8 (or base64-encoded). */
export interface OutputChunk {
  data: string;
  offset: number;
  nextOffset: number;
  totalBytes: number;
  /** The selection held more than `limit` bytes (for tail: its start was dropped). */
  truncated: boolean;
  /** Bytes of the selection that the output cap had dropped before this read. */
  skippedBytes: number;
}

/** Bytes scanned backwards per step when looking for line starts. */
const SCAN_CHUNK = 64 * 1024;

/**
 * Reads a selection of the log at `path`. Cuts never split a UTF-8 character:
 * a start inside a character moves forward to the next character, an end inside
 * one moves back to its first byte. A missing log reads as empty.
 */
export async function readLogSelection(path: string, selection: OutputSelection): Promise<OutputChunk> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyChunk(0);
    throw error;
  }
  try {
    const total = (await handle.stat()).size;
    const { limit, final = false } = selection;
    const raw = selection.encoding === 'base64';
    const droppedBytes = Math.min(selection.droppedBytes ?? 0, total);
    const skipped = (from: number) => Math.max(0, droppedBytes - from);
    if (selection.tail) {
      let wanted: number;
      let cutShort = false;
      if (selection.tail.lines !== undefined) {
        const found = await startOfLastLines(handle, total, selection.tail.lines, limit, droppedBytes);
        wanted = found.start;
        // Not enough lines within the window: cut by the limit, or by the dropped head (all of it may be missed).
        cutShort = !found.complete && found.start > droppedBytes;
        if (!found.complete && found.start === droppedBytes) wanted = 0;
      } else {
        wanted = Math.max(0, total - (selection.tail.bytes ?? 0));
      }
      const start = Math.max(wanted, droppedBytes);
      const cut = Math.max(start, total - limit);
      const chunk = await readRange(handle, cut, total, total, {
        truncated: cutShort || cut > start,
        alignStart: true,
        final,
        raw,
      });
      return { ...chunk, skippedBytes: skipped(wanted) };
    }
    if (selection.head) {
      const chunk =
        selection.head.lines !== undefined
          ? await readHeadLines(handle, droppedBytes, total, selection.head.lines, limit, { final, raw })
          : await readHeadBytes(handle, droppedBytes, total, selection.head.bytes ?? 0, limit, {
              final,
              raw,
            });
      return { ...chunk, skippedBytes: droppedBytes };
    }
    const wanted = selection.offset ?? 0;
    const start = Math.min(Math.max(wanted, droppedBytes), total);
    const end = Math.min(total, start + limit);
    const chunk = await readRange(handle, start, end, total, {
      truncated: end < total,
      alignStart: true,
      final,
      raw,
    });
    return { ...chunk, skippedBytes: skipped(wanted) };
  } finally {
    await handle.close();
  }
}

function emptyChunk(total: number, at = total): OutputChunk {
  return { data: '', offset: at, nextOffset: at, totalBytes: total, truncated: false, skippedBytes: 0 };
}

async function readHeadBytes(
  handle: FileHandle,
  droppedBytes: number,
  total: number,
  bytes: number,
  limit: number,
  mode: { final: boolean; raw: boolean },
): Promise<OutputChunk> {
  const end = Math.min(total, droppedBytes + bytes);
  const cut = Math.min(end, droppedBytes + limit);
  return readRange(handle, droppedBytes, cut, total, { truncated: end > cut, alignStart: true, ...mode });
}

async function readRange(
  handle: FileHandle,
  start: number,
  end: number,
  total: number,
  options: { truncated: boolean; alignStart: boolean; final?: boolean; raw?: boolean },
): Promise<OutputChunk> {
  if (end <= start) return { ...emptyChunk(total, start), truncated: options.truncated };
  const buffer = Buffer.allocUnsafe(end - start);
  const { bytesRead } = await handle.read(buffer, 0, end - start, start);
  let bytes: Buffer = buffer.subarray(0, bytesRead);
  let from = start;
  // Exact bytes (base64) need no character kept whole.
  if (!options.raw && options.alignStart && from > 0) {
    const skip = leadingContinuationBytes(bytes);
    bytes = bytes.subarray(skip);
    from += skip;
  }
  // Drop a trailing partial character unless nothing can ever complete it.
  const atFinalEnd = options.final && from + bytes.length === total;
  if (!options.raw && !atFinalEnd) {
    const complete = completeUtf8Length(bytes);
    if (complete === 0 && bytes.length > 0) {
      // A limit smaller than the character at `from` would never advance: return that one character whole.
      bytes = await wholeCharacterAt(handle, from, total, options.final ?? false);
    } else {
      bytes = bytes.subarray(0, complete);
    }
  }
  return {
    data: bytes.toString(options.raw ? 'base64' : 'utf8'),
    offset: from,
    nextOffset: from + bytes.length,
    totalBytes: total,
    truncated: options.truncated || from + bytes.length < end,
    skippedBytes: 0,
  };
}

/** The UTF-8 character starting at `from` (1–4 bytes), or nothing while it is still being written. */
async function wholeCharacterAt(
  handle: FileHandle,
  from: number,
  total: number,
  final: boolean,
): Promise<Buffer> {
  const buffer = Buffer.alloc(4);
  const { bytesRead } = await handle.read(buffer, 0, Math.min(4, total - from), from);
  const lead = buffer[0] as number;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (bytesRead >= length) return buffer.subarray(0, length);
  return final ? buffer.subarray(0, bytesRead) : buffer.subarray(0, 0);
}

async function readHeadLines(
  handle: FileHandle,
  droppedBytes: number,
  total: number,
  lines: number,
  limit: number,
  mode: { final: boolean; raw: boolean },
): Promise<OutputChunk> {
  if (lines === 0) return emptyChunk(total, droppedBytes);
  const window = Math.min(total - droppedBytes, limit);
  const buffer = Buffer.allocUnsafe(window);
  const { bytesRead } = await handle.read(buffer, 0, window, droppedBytes);
  let end = -1;
  let seen = 0;
  for (let i = buffer.indexOf(10); i !== -1 && i < bytesRead; i = buffer.indexOf(10, i + 1)) {
    if (++seen === lines) {
      end = i + 1;
      break;
    }
  }
  if (end === -1) {
    // Fewer lines than asked within the window: all of it, cut by limit if the file goes on.
    return readRange(handle, droppedBytes, droppedBytes + bytesRead, total, {
      truncated: droppedBytes + bytesRead < total && seen < lines,
      alignStart: true,
      ...mode,
    });
  }
  return readRange(handle, droppedBytes, droppedBytes + end, total, {
    truncated: false,
    alignStart: true,
    ...mode,
  });
}

/**
 * Offset where the last `lines` lines of the log start, and whether all of
 * them were found (`complete: false` when the scan hit its bound first). A newline that ends the
 * file does not count as the start of an empty last line. Scans back at most
 * `limit` bytes and never below `droppedBytes` (the first byte kept); past that the answer is that bound.
 */
async function startOfLastLines(
  handle: FileHandle,
  total: number,
  lines: number,
  limit: number,
  droppedBytes: number,
): Promise<{ start: number; complete: boolean }> {
  if (lines === 0) return { start: total, complete: true };
  const bound = Math.max(droppedBytes, total - limit);
  let remaining = lines;
  let position = total;
  // Skip the newline that terminates the last line.
  let skipTrailing = true;
  const buffer = Buffer.allocUnsafe(SCAN_CHUNK);
  while (position > bound) {
    const from = Math.max(bound, position - SCAN_CHUNK);
    const size = position - from;
    await handle.read(buffer, 0, size, from);
    for (let i = size - 1; i >= 0; i--) {
      if (buffer[i] !== 10) continue;
      if (skipTrailing && from + i === total - 1) continue;
      if (--remaining === 0) return { start: from + i + 1, complete: true };
    }
    skipTrailing = false;
    position = from;
  }
  // The start of the file begins a line too.
  return { start: bound, complete: bound === 0 };
}

/** Number of UTF-8 continuation bytes (10xxxxxx) at the start of `bytes`, at most 3. */
export function leadingContinuationBytes(bytes: Uint8Array): number {
  let n = 0;
  while (n < 3 && n < bytes.length && ((bytes[n] as number) & 0xc0) === 0x80) n++;
  return n;
}

/**
 * Length of the longest prefix of `bytes` that does not end inside a UTF-8
 * character: when the last lead byte starts a sequence longer than what
 * follows it, the prefix stops before that lead byte.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let back = 1; back <= Math.min(4, length); back++) {
    const byte = bytes[length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? length - back : length;
  }
  return length;
}
