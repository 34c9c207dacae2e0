import { cleanText } from '@tend/protocol/clean-text';
import { writeOut } from './output.js';

/**
 * How `tend logs` writes what it reads to stdout:
 * - `bytes`: the exact bytes of the log. Reads are made with task/output
 *   `encoding: "base64"` and handed over as binary strings (one character per
 *   byte, see {@link binaryOf}), so invalid UTF-8 comes out as written.
 * - `text`: UTF-8 text as the daemon sent it (filtered views, JSON).
 * - `clean-lines`: a followed `--clean`: raw text is cleaned one whole line at
 *   a time, the unfinished last line carried over to the next read, so that a
 *   progress bar redrawn with `\r` across many reads ends as one line per
 *   final state (the daemon's `clean` sees one read at a time).
 */
export type WriteMode = 'bytes' | 'text' | 'clean-lines';

/** Base64 (task/output `encoding: "base64"`) as a binary string: one character (U+0000–U+00FF) per byte. */
export function binaryOf(base64: string): string {
  return Buffer.from(base64, 'base64').toString('latin1');
}

/** Writes reads to stdout in one {@link WriteMode}. */
export class OutputWriter {
  /** clean-lines: the raw text of the unfinished last line. */
  private pending = '';

  constructor(readonly mode: WriteMode) {}

  /** Writes one read's `data` (a binary string in `bytes` mode). */
  async write(data: string): Promise<void> {
    if (this.mode === 'bytes') return writeOut(Buffer.from(data, 'latin1'));
    if (this.mode === 'text') return writeOut(data);
    const text = this.pending + data;
    const end = text.lastIndexOf('\n') + 1;
    this.pending = text.slice(end);
    if (end > 0) await writeOut(cleanText(text.slice(0, end)));
  }

  /** The output ended: writes the cleaned unfinished last line, if any. */
  async end(): Promise<void> {
    const rest = this.pending;
    this.pending = '';
    if (rest !== '') await writeOut(cleanText(rest));
  }
}
