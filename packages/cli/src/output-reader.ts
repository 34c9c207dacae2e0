import type { ResultOf, TaskOutput } from '@tend/protocol';
import { isCaughtUp } from '@tend/protocol/wire';

/**
 * One `task/output` answer. `binary`: `data` is a binary string (one
 * character per byte, from `encoding: "base64"`), not UTF-8 text.
 */
export type OutputRead = ResultOf<typeof TaskOutput> & { binary?: boolean };

/** Params of one `task/output` read, without the task id. */
export interface ReadParams {
  offset?: number;
  head?: { lines: number };
  tail?: { lines: number } | { bytes: number };
  /** Read from where `reader` stopped last time, and move its cursor to `nextOffset`. */
  since?: 'last';
  reader?: string;
  /** bytes */
  limit: number;
}

/** Performs one read of the task's log (`task/output` with its id bound). */
export type ReadFn = (params: ReadParams) => Promise<OutputRead>;

/** Receives the reads of a selection in log order; may see reads with empty `data`. */
export type Sink = (read: OutputRead) => Promise<void>;

/** The part of a log `tend logs` prints. */
export type Selection =
  | { kind: 'whole' }
  | { kind: 'head-lines'; lines: number }
  | { kind: 'tail-lines'; lines: number }
  | { kind: 'tail-bytes'; bytes: number };

/**
 * Reads a selection of a task's log in reads of at most `pageBytes` bytes
 * (task/output's limit) and hands them to `sink` in log order.
 * - whole: offset reads from 0 until a read reaches the log's size then (a
 *   growing log is read as long as the reader keeps up);
 * - head-lines: a head read, then offset reads cut after the Nth line;
 * - tail-bytes: a tail read, or when it lost its start (truncated) offset reads
 *   from size − N up to the size at the first read;
 * - tail-lines: a tail read, or when it lost its start, reads backwards from it
 *   until N line ends are found; that selection is held in memory and handed
 *   over as one read (its `offset` derived from the UTF-8 length of the text).
 * @returns the last read handed over (its `nextOffset` is where to follow from).
 * @throws the client's errors (task_not_found…).
 */
export async function readSelection(
  read: ReadFn,
  selection: Selection,
  sink: Sink,
  pageBytes: number,
): Promise<OutputRead> {
  switch (selection.kind) {
    case 'whole':
      return pageForward(read, 0, undefined, sink, pageBytes);
    case 'head-lines':
      return readHeadLines(read, selection.lines, sink, pageBytes);
    case 'tail-bytes': {
      const first = await read({ tail: { bytes: selection.bytes }, limit: pageBytes });
      if (!first.truncated) return hand(sink, first);
      return pageForward(
        read,
        Math.max(0, first.totalBytes - selection.bytes),
        first.totalBytes,
        sink,
        pageBytes,
      );
    }
    case 'tail-lines':
      return readTailLines(read, selection.lines, sink, pageBytes);
  }
}

/**
 * Reads what `reader` has not read yet (`since: "last"`: the daemon starts at
 * the reader's durable cursor and moves it to each read's `nextOffset`) in
 * reads of at most `pageBytes` bytes, handed to `sink`, until a read reaches
 * the log's size then or makes no progress (an unfinished UTF-8 character).
 * @returns the last read (its `nextOffset` is where the cursor now stands).
 */
export async function readSince(
  read: ReadFn,
  reader: string,
  sink: Sink,
  pageBytes: number,
): Promise<OutputRead> {
  for (;;) {
    const chunk = await hand(sink, await read({ since: 'last', reader, limit: pageBytes }));
    if (isCaughtUp(chunk.nextOffset, chunk.totalBytes) || chunk.nextOffset <= chunk.offset) return chunk;
  }
}

/** Offset reads from `from` until `end` (or the log's size at each read when undefined). */
async function pageForward(
  read: ReadFn,
  from: number,
  end: number | undefined,
  sink: Sink,
  pageBytes: number,
): Promise<OutputRead> {
  let offset = from;
  for (;;) {
    const limit = end === undefined ? pageBytes : Math.max(1, Math.min(pageBytes, end - offset));
    const chunk = await hand(sink, await read({ offset, limit }));
    if (chunk.nextOffset <= offset || isCaughtUp(chunk.nextOffset, end ?? chunk.totalBytes)) return chunk;
    offset = chunk.nextOffset;
  }
}

async function readHeadLines(
  read: ReadFn,
  lines: number,
  sink: Sink,
  pageBytes: number,
): Promise<OutputRead> {
  let chunk = await hand(sink, await read({ head: { lines }, limit: pageBytes }));
  let left = lines - countLines(chunk.data);
  while (chunk.truncated && left > 0) {
    const offset = chunk.nextOffset;
    const next = await read({ offset, limit: pageBytes });
    if (next.nextOffset <= offset) return chunk;
    const cut = indexAfterLine(next.data, left);
    if (cut !== undefined) {
      const data = next.data.slice(0, cut);
      return hand(sink, {
        ...next,
        data,
        nextOffset: next.offset + byteLengthIn(next, data),
        truncated: false,
      });
    }
    left -= countLines(next.data);
    chunk = await hand(sink, next);
  }
  return chunk;
}

async function readTailLines(
  read: ReadFn,
  lines: number,
  sink: Sink,
  pageBytes: number,
): Promise<OutputRead> {
  const last = await read({ tail: { lines }, limit: pageBytes });
  if (!last.truncated) return hand(sink, last);
  const chunks = [last.data];
  // A final line end closes the last line; it does not start another one.
  let lineEnds = countLines(last.data) - (last.data.endsWith('\n') ? 1 : 0);
  let start = last.offset;
  let skippedBytes = 0;
  while (lineEnds < lines && start > 0) {
    const from = Math.max(0, start - pageBytes);
    const before = await read({ offset: from, limit: start - from });
    if (before.data === '' || before.offset >= start) break; // nothing kept before `start`
    chunks.unshift(before.data);
    lineEnds += countLines(before.data);
    start = before.offset;
    skippedBytes = before.skippedBytes;
    if (skippedBytes > 0) break; // reached the oldest byte the output cap kept
  }
  const text = chunks.join('');
  let cut = text.endsWith('\n') ? text.length - 1 : text.length;
  // Walk back over `lines` line ends; cut < 0: the text holds fewer lines than asked.
  for (let seen = 0; seen < lines && cut >= 0; seen++) cut = cut === 0 ? -1 : text.lastIndexOf('\n', cut - 1);
  const data = cut < 0 ? text : text.slice(cut + 1);
  const offset = last.nextOffset - byteLengthIn(last, data);
  return hand(sink, { ...last, data, offset, truncated: false, skippedBytes: cut < 0 ? skippedBytes : 0 });
}

/** Bytes `text` stands for in `read`: its UTF-8 length, or one per character in a binary read. */
function byteLengthIn(read: OutputRead, text: string): number {
  return read.binary ? text.length : Buffer.byteLength(text);
}

async function hand(sink: Sink, chunk: OutputRead): Promise<OutputRead> {
  await sink(chunk);
  return chunk;
}

/** Number of line ends (`\n`) in `text`. */
export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Index just after the `n`th `\n` of `text`, or undefined when it has fewer. */
export function indexAfterLine(text: string, n: number): number | undefined {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = text.indexOf('\n', i + 1);
    if (i < 0) return undefined;
  }
  return i + 1;
}
