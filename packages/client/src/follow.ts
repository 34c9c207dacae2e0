import type { TaskOutput } from '@tend/protocol';
import { FOLLOW_WAIT_MS, hasReadAll, type ParamsOf, type ResultOf } from '@tend/protocol/wire';

/** Options of {@link TendClient.follow}. */
export interface FollowOptions {
  /** Byte offset to start from (default 0). Ignored with `since: 'last'`. */
  offset?: number;
  /** Start where `reader`'s durable cursor stands, and move it as chunks are read. */
  since?: 'last';
  reader?: string;
  /** How long one long poll waits for new bytes, in ms (default FOLLOW_WAIT_MS, 25 000; the daemon caps it at 60 000). */
  pollMs?: number;
  /** Most bytes per chunk (default 64 KiB, at most 1 MiB). */
  limit?: number;
  /** `base64`: each chunk's `data` is the exact bytes, base64-encoded (task/output `encoding`). Default UTF-8 text. */
  encoding?: 'utf8' | 'base64';
  /** Aborting ends the iteration after the read in flight. */
  signal?: AbortSignal;
}

/** One piece of output: bytes [offset, nextOffset) of the log, decoded as UTF-8 (base64 with `encoding: 'base64'`). */
export interface FollowChunk {
  data: string;
  offset: number;
  nextOffset: number;
  /** Bytes the output cap dropped before they could be read (0 mostly). */
  skippedBytes: number;
}

type Read = (params: ParamsOf<typeof TaskOutput>) => Promise<ResultOf<typeof TaskOutput>>;

/**
 * Async generator behind {@link TendClient.follow}: long-polling task/output
 * reads from `offset` (or the reader's cursor), yielding every non-empty chunk,
 * until a read says the task `ended` and it reached the end of the log ({@link hasReadAll}).
 */
export async function* followOutput(
  read: Read,
  id: string,
  options: FollowOptions,
): AsyncGenerator<FollowChunk> {
  let offset = options.offset ?? 0;
  const waitMs = options.pollMs ?? FOLLOW_WAIT_MS;
  for (;;) {
    if (options.signal?.aborted) return;
    const chunk = await read(
      options.since === 'last'
        ? {
            id,
            since: 'last',
            reader: options.reader,
            limit: options.limit,
            waitMs,
            encoding: options.encoding,
          }
        : { id, offset, limit: options.limit, waitMs, encoding: options.encoding },
    );
    offset = chunk.nextOffset;
    if (chunk.data.length > 0 || chunk.skippedBytes > 0) {
      yield {
        data: chunk.data,
        offset: chunk.offset,
        nextOffset: chunk.nextOffset,
        skippedBytes: chunk.skippedBytes,
      };
    }
    if (hasReadAll(chunk)) return;
  }
}
