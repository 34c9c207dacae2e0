import { readFileSync, statSync } from 'node:fs';
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
    const signal = typeof parsed.signal === 'string' && parsed.signal !== '' ? toSignalName(parsed.signal) : undefined;
    return { status: parsed.status, ...(signal ? { signal } : {}), endedAt: Math.round(mtimeMs) };
  } catch {
    return undefined;
  }
}
