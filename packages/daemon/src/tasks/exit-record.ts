import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { toSignalName, type SignalName } from '@tend/protocol';

/** What the wrapper recorded when the command ended. */
export interface ExitRecord {
  /** The command's exit status as the shell reported it (128+N for signal N). */
  status: number;
  /** Set when the status says the command was ended by a signal. */
  signal?: SignalName;
  /** When the record was written (its mtime), ms since epoch. */
  endedAt: number;
}

/**
 * Reads the exit record at `path` (see WRAPPER_SCRIPT for its format).
 * @returns undefined when there is none, or it cannot be parsed (never a guess).
 */
export function readExitRecord(path: string): ExitRecord | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { status?: unknown; signal?: unknown };
    if (typeof parsed.status !== 'number' || !Number.isInteger(parsed.status)) return undefined;
    const signal =
      typeof parsed.signal === 'string' && parsed.signal !== '' ? toSignalName(parsed.signal) : undefined;
    return { status: parsed.status, ...(signal ? { signal } : {}), endedAt: Math.round(mtimeMs) };
  } catch {
    return undefined;
  }
}

/** Bytes reserved for a task's exit record: one filesystem block, far more than the record's ~40 bytes. */
export const EXIT_RECORD_RESERVE_BYTES = 4096;

/**
 * What {@link reserveExitRecord} writes, made once: writing it as a string allocated a 4 KiB Buffer
 * per task, garbage until the next full GC (issue 13, daemon RSS after many tasks).
 */
const RESERVE_CONTENT = Buffer.from(`${' '.repeat(EXIT_RECORD_RESERVE_BYTES - 1)}\n`, 'ascii');

/**
 * Reserves the room of task's exit record before it starts: `<exitPath>.tmp`
 * filled with {@link EXIT_RECORD_RESERVE_BYTES} bytes of spaces, which the
 * wrapper overwrites in place (`1<>`, no truncation) with the record, so that
 * writing it needs no new block even on a full disk. JSON ignores the
 * trailing spaces.
 * @throws Error (ENOSPC, EDQUOT…) when there is no room for it.
 */
export function reserveExitRecord(exitPath: string): void {
  writeFileSync(`${exitPath}.tmp`, RESERVE_CONTENT, { mode: 0o600 });
}
