// Where a reader of a task's output stands, as plain functions (no zod): the CLI, the client and the
// daemon decide "caught up" with the same rule.

/**
 * The reader is caught up: a reader at byte `offset` has everything a log of `totalBytes` bytes
 * held (offset ≥ totalBytes). Of a task/output result: `isCaughtUp(r.nextOffset, r.totalBytes)`.
 * A live task's log may still grow; see {@link hasReadAll}.
 */
export function isCaughtUp(offset: number, totalBytes: number): boolean {
  return offset >= totalBytes;
}

/**
 * Nothing more will ever come: the task had ended when `read` (a task/output result) was taken,
 * and the read reached the end of its log ({@link isCaughtUp}). A follower stops here.
 */
export function hasReadAll(read: { ended: boolean; nextOffset: number; totalBytes: number }): boolean {
  return read.ended && isCaughtUp(read.nextOffset, read.totalBytes);
}
