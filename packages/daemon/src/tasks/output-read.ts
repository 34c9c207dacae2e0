import { open } from 'node:fs/promises';
import {
  isCaughtUp,
  isTerminal,
  MAX_FILTERED_BYTES,
  MAX_OUTPUT_LIMIT,
  type ParsedParamsOf,
  type ResultOf,
  type TaskOutput,
} from '@tend/protocol';
import type { CursorStore } from '../store/cursor-store.js';
import type { TaskRow, TaskStore } from '../store/task-store.js';
import { resolveTask } from './ids.js';
import { waitForGrowth } from './log-watcher.js';
import { cleanText, grepLines, headAndTail, omissionMarker, onLineBoundaries } from './output-filter.js';
import { readLogSelection, type OutputChunk } from './output.js';
import { fileSize } from './task-view.js';

type Params = ParsedParamsOf<typeof TaskOutput>;
type Result = ResultOf<typeof TaskOutput>;

/**
 * task/output: resolves the task, starts from `reader`'s durable cursor for
 * `since: "last"` (and moves it to where this read stopped), long-polls for
 * `waitMs` when nothing new is there yet, and either reads raw bytes or — with
 * maxBytes, clean or grep — a model-sized view of everything selected.
 * @throws TendDaemonError task_not_found, ambiguous_id.
 */
export async function readTaskOutput(
  deps: { store: TaskStore; cursors: CursorStore },
  params: Params,
  reader: string,
  signal?: AbortSignal,
): Promise<Result> {
  let row = resolveTask(deps.store, params.id);
  const id = row.id;
  const since = params.since === 'last';
  const offset = since ? deps.cursors.get(id, reader) : params.offset;
  const positional = params.head === undefined && params.tail === undefined;
  const deadline = Date.now() + (params.waitMs ?? 0);
  const ended = () => isTerminal(deps.store.get(id)?.state ?? 'lost');
  // Long poll: wait for bytes past what is there (at first, past the offset).
  let waitPast = offset ?? 0;
  for (;;) {
    if (
      params.waitMs &&
      positional &&
      !isTerminal(row.state) &&
      isCaughtUp(waitPast, fileSize(row.logPath)) &&
      Date.now() < deadline
    ) {
      await waitForGrowth(row.logPath, waitPast, deadline - Date.now(), {
        stop: ended,
        ...(signal ? { signal } : {}),
      });
      row = deps.store.get(id) ?? row;
    }
    // Decided before reading: once the task has ended, the log holds all it will ever hold.
    const final = isTerminal(row.state);
    const modelSized = params.maxBytes !== undefined || params.clean || params.grep !== undefined;
    const result = modelSized
      ? encodeView(
          await readModelSized(row, { ...params, encoding: undefined }, offset, final),
          params.encoding,
        )
      : toResult(
          await readLogSelection(row.logPath, { ...params, offset, final, droppedBytes: row.droppedBytes }),
          final,
        );
    // Nothing readable yet (only part of a character, or part of a line for grep): keep waiting, not spinning.
    const empty = result.data === '' && result.nextOffset === (offset ?? 0) && result.skippedBytes === 0;
    if (empty && params.waitMs && positional && !final && Date.now() < deadline && !signal?.aborted) {
      waitPast = result.totalBytes;
      continue;
    }
    // A read that found nothing new leaves the cursor where it was: no write. Nor does one whose
    // client is gone (daemon shutting down, connection lost): it never gets these bytes and reads them again.
    if (since && result.nextOffset !== offset && !signal?.aborted)
      deps.cursors.set(id, reader, result.nextOffset);
    return result;
  }
}

/** The byte just before `offset` in the file at `path` (undefined at 0 or on error). */
async function byteBefore(path: string, offset: number): Promise<number | undefined> {
  if (offset <= 0) return undefined;
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(1);
    const { bytesRead } = await handle.read(buffer, 0, 1, offset - 1);
    return bytesRead === 1 ? buffer[0] : undefined;
  } finally {
    await handle.close();
  }
}

/** A model-sized view is text; with `encoding: "base64"` its UTF-8 bytes are sent base64-encoded. */
function encodeView(result: Result, encoding: Params['encoding']): Result {
  return encoding === 'base64'
    ? { ...result, data: Buffer.from(result.data, 'utf8').toString('base64') }
    : result;
}

function toResult(chunk: OutputChunk, ended: boolean, extra: Partial<Result> = {}): Result {
  return { ...chunk, ended, omittedBytes: 0, ...extra };
}

/**
 * A view for a model: the whole selection (from `offset` to the end, or the
 * head/tail window), cleaned and grepped if asked, cut to `maxBytes` (default
 * `limit`) by keeping head and tail. Without clean or grep only the kept head
 * and tail are read from disk, however large the selection.
 */
async function readModelSized(
  row: TaskRow,
  params: Params,
  offset: number | undefined,
  ended: boolean,
): Promise<Result> {
  const maxBytes = params.maxBytes ?? params.limit;
  const base = { final: ended, droppedBytes: row.droppedBytes };
  if (params.head !== undefined || params.tail !== undefined) {
    const chunk = await readLogSelection(row.logPath, {
      ...params,
      offset: undefined,
      limit: params.limit,
      ...base,
    });
    return toResult(chunk, ended, transform(chunk.data, params, maxBytes));
  }
  const total = fileSize(row.logPath);
  const start = Math.min(Math.max(offset ?? 0, row.droppedBytes), total);
  if (!params.clean && params.grep === undefined) {
    if (total - start <= maxBytes) {
      const chunk = await readLogSelection(row.logPath, {
        offset: start,
        limit: Math.max(1, Math.min(MAX_OUTPUT_LIMIT, total - start)),
        ...base,
      });
      return toResult(chunk, ended, { skippedBytes: Math.max(0, row.droppedBytes - (offset ?? 0)) });
    }
    const half = Math.floor(maxBytes / 2);
    const head = await readLogSelection(row.logPath, { offset: start, limit: half, ...base });
    const tail = await readLogSelection(row.logPath, {
      tail: { bytes: total - head.nextOffset },
      limit: half,
      ...base,
    });
    const [headText, tailText] = onLineBoundaries(
      head.data,
      tail.data,
      (await byteBefore(row.logPath, tail.offset)) === 0x0a,
    );
    const omittedBytes =
      tail.offset +
      Buffer.byteLength(tail.data) -
      Buffer.byteLength(tailText) -
      (head.offset + Buffer.byteLength(headText));
    return {
      data: headText + omissionMarker(omittedBytes, headText) + tailText,
      offset: head.offset,
      nextOffset: tail.nextOffset,
      totalBytes: tail.totalBytes,
      skippedBytes: Math.max(0, row.droppedBytes - (offset ?? 0)),
      truncated: false,
      ended,
      omittedBytes,
    };
  }
  const filteredFrom = Math.max(start, total - MAX_FILTERED_BYTES);
  let text = '';
  let next = filteredFrom;
  while (next < total) {
    const chunk = await readLogSelection(row.logPath, { offset: next, limit: MAX_OUTPUT_LIMIT, ...base });
    if (chunk.nextOffset === next) break;
    text += chunk.data;
    next = chunk.nextOffset;
  }
  if (params.grep !== undefined && !ended) {
    // A live task's last line may still grow: leave it for the next read.
    const lastNewline = text.lastIndexOf('\n');
    next -= Buffer.byteLength(text.slice(lastNewline + 1));
    text = text.slice(0, lastNewline + 1);
  }
  const view = transform(text, params, maxBytes);
  return {
    data: view.data,
    offset: filteredFrom,
    nextOffset: next,
    totalBytes: total,
    skippedBytes: Math.max(0, row.droppedBytes - (offset ?? 0)),
    truncated: false,
    ended,
    omittedBytes: filteredFrom - start + view.omittedBytes,
    ...(view.matches !== undefined ? { matches: view.matches } : {}),
  };
}

function transform(
  text: string,
  params: Params,
  maxBytes: number,
): { data: string; omittedBytes: number; matches?: number } {
  let data = params.clean ? cleanText(text) : text;
  let matches: number | undefined;
  if (params.grep !== undefined) ({ text: data, matches } = grepLines(data, params.grep));
  const cut = headAndTail(data, maxBytes);
  return { data: cut.text, omittedBytes: cut.omittedBytes, ...(matches !== undefined ? { matches } : {}) };
}
