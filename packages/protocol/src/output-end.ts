// The one rule that tells a reader of a task's output that nothing more will come (no zod: clients load it).

/** What {@link isReadToEnd} needs of a `task/output` result. */
export interface OutputPosition {
  /** The task had ended when the daemon made this read. */
  ended: boolean;
  /** Offset just past the bytes this read returned. */
  nextOffset: number;
  /** Size of the log when the daemon made this read, in bytes. */
  totalBytes: number;
}

/**
 * True when a `task/output` read was made after the task had ended and reached the end of its log:
 * the log holds all it will ever hold and the reader has it, so a follower stops (`TendClient.follow`,
 * `tend logs -f`). A read of a live task, or one that stopped short of `totalBytes` (its `limit`),
 * is never the end. The daemon decides `ended` before it reads, so no byte written before the end
 * can come after a read that says so.
 */
export function isReadToEnd(read: OutputPosition): boolean {
  return read.ended && read.nextOffset >= read.totalBytes;
}
