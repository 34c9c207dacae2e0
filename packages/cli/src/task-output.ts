import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_OUTPUT_LIMIT } from '@tend/protocol';
import { withClient, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { readSelection, type OutputRead, type ReadFn, type Selection, type Sink } from './log-reader.js';
import { printJson, printJsonLine, warn, writeOut } from './output.js';

/** Options of `tend logs`. */
export interface LogsOptions extends GlobalOptions {
  follow?: boolean;
  /** Last N lines (`-n`). */
  lines?: number;
  /** First N lines (`--head`). */
  head?: number;
  /** Last N bytes (`--bytes`). */
  bytes?: number;
}

/** Pause between two reads of a followed log that had nothing new, in ms. */
export const FOLLOW_POLL_MS = 100;

/**
 * `tend logs ID`: writes the task's output to stdout as-is. Without a window,
 * the whole log, read in pages of {@link MAX_OUTPUT_LIMIT} bytes; `-n` the last
 * lines, `--head` the first lines, `--bytes` the last bytes. `-f` then keeps
 * reading (every {@link FOLLOW_POLL_MS} ms) until the task has ended and its
 * log is read to the end. `--json` prints one merged `task/output` result, or
 * with `-f` one JSON line per read that returned data (and a last one with
 * `ended: true`). Output dropped by the task's output cap is noted on stderr.
 * @returns the process exit code (0).
 * @throws CliError for contradicting options; the client's task_not_found…
 */
export async function showLogs(id: string, options: LogsOptions): Promise<number> {
  const selection = selectionOf(options);
  if (options.follow && selection.kind === 'head-lines') throw new CliError('--head cannot be combined with -f');
  return withClient(options, async (client) => {
    const read: ReadFn = (params) => client.output({ id, ...params });
    const reads: OutputRead[] = [];
    let dropped = 0;
    const sink: Sink = async (chunk) => {
      if (chunk.skippedBytes > 0 && !options.json) dropped += chunk.skippedBytes;
      if (options.json && options.follow) {
        if (chunk.data !== '' || chunk.skippedBytes > 0) await printJsonLine(chunk);
      } else if (options.json) reads.push(chunk);
      else await writeOut(chunk.data);
    };
    let last = await readSelection(read, selection, sink, MAX_OUTPUT_LIMIT);
    if (options.follow) last = await follow(read, last, sink);
    if (options.json && options.follow && last.data === '') await printJsonLine(last);
    if (options.json && !options.follow) await printJson(mergeReads(reads));
    if (dropped > 0) warn(`${dropped} bytes of this output were dropped by the task's output cap before they could be read`);
    return 0;
  });
}

/**
 * The selection the options ask for.
 * @throws CliError when more than one of -n, --head and --bytes is given.
 */
function selectionOf(options: LogsOptions): Selection {
  const given = [options.lines, options.head, options.bytes].filter((n) => n !== undefined).length;
  if (given > 1) throw new CliError('give at most one of -n, --head and --bytes');
  if (options.lines !== undefined) return { kind: 'tail-lines', lines: options.lines };
  if (options.head !== undefined) return { kind: 'head-lines', lines: options.head };
  if (options.bytes !== undefined) return { kind: 'tail-bytes', bytes: options.bytes };
  return { kind: 'whole' };
}

/**
 * Follows the log from `last.nextOffset` until the task has ended and every
 * byte is read: once a read says `ended`, the next read's size is final.
 */
async function follow(read: ReadFn, last: OutputRead, sink: Sink): Promise<OutputRead> {
  let offset = last.nextOffset;
  let sawEnded = false;
  for (;;) {
    const before = offset;
    const chunk = await read({ offset, limit: MAX_OUTPUT_LIMIT });
    if (chunk.data !== '' || chunk.skippedBytes > 0) await sink(chunk);
    offset = chunk.nextOffset;
    const endedBefore = sawEnded;
    sawEnded ||= chunk.ended;
    // No progress short of the end: an incomplete UTF-8 character still being written.
    const idle = chunk.nextOffset >= chunk.totalBytes || chunk.nextOffset <= before;
    if (idle && endedBefore) return chunk;
    if (idle && !chunk.ended) await sleep(FOLLOW_POLL_MS);
  }
}

/** Joins consecutive reads into one `task/output`-shaped result. */
function mergeReads(reads: readonly OutputRead[]): OutputRead {
  const first = reads[0]!;
  const last = reads[reads.length - 1]!;
  return {
    ...last,
    data: reads.map((r) => r.data).join(''),
    offset: first.offset,
    skippedBytes: reads.reduce((sum, r) => sum + r.skippedBytes, 0),
    truncated: false,
  };
}
