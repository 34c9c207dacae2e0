import { compilePattern } from '@tend/protocol';
import { completeUtf8Length, leadingContinuationBytes } from './output.js';

// Text for a model (ANSI removed, `\r` redraws collapsed): one definition, shared with clients.
export { cleanText } from '@tend/protocol/clean-text';

/** Options of {@link grepLines}. */
export interface GrepOptions {
  pattern: string;
  /** Lines kept before and after each match. */
  context: number;
  ignoreCase: boolean;
}

/**
 * The lines of `text` that match `pattern`, each with `context` lines around
 * it; with context, separate groups are joined by a `--` line, as grep(1) -C does.
 * The pattern is matched with RE2 semantics (linear time: a user's pattern
 * cannot stall the event loop).
 * @returns the kept text and the number of matching lines.
 * @throws PatternError when the pattern is not RE2 syntax (params validation refuses those first).
 */
export function grepLines(text: string, options: GrepOptions): { text: string; matches: number } {
  const regex = compilePattern(options.pattern, { ignoreCase: options.ignoreCase });
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const keep = new Array<boolean>(lines.length).fill(false);
  let matches = 0;
  lines.forEach((line, i) => {
    if (!regex.test(line)) return;
    matches++;
    for (let j = Math.max(0, i - options.context); j <= Math.min(lines.length - 1, i + options.context); j++)
      keep[j] = true;
  });
  const out: string[] = [];
  let previous = -2;
  keep.forEach((kept, i) => {
    if (!kept) return;
    // grep(1) separates groups only when it prints context.
    if (options.context > 0 && out.length > 0 && i !== previous + 1) out.push('--');
    out.push(lines[i] as string);
    previous = i;
  });
  return { text: out.length > 0 ? `${out.join('\n')}\n` : '', matches };
}

/** The line that stands for what {@link headAndTail} left out, to put after `head`. */
export function omissionMarker(bytes: number, head: string): string {
  return `${head === '' || head.endsWith('\n') ? '' : '\n'}[… ${bytes} bytes omitted by tend …]\n`;
}

/**
 * Cuts `text` to at most about `maxBytes` UTF-8 bytes by keeping its head and
 * its tail (half each, never splitting a character) and putting a marker line
 * between them.
 * @returns the text and how many bytes were left out (0 when it fit).
 */
export function headAndTail(text: string, maxBytes: number): { text: string; omittedBytes: number } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, omittedBytes: 0 };
  const half = Math.floor(maxBytes / 2);
  const head = bytes.subarray(0, completeUtf8Length(bytes.subarray(0, half)));
  const tailStart = bytes.length - half;
  const tail = bytes.subarray(tailStart + leadingContinuationBytes(bytes.subarray(tailStart)));
  const tailIndex = bytes.length - tail.length;
  const [headText, tailText] = onLineBoundaries(
    head.toString('utf8'),
    tail.toString('utf8'),
    bytes[tailIndex - 1] === 0x0a,
  );
  const omittedBytes = bytes.length - Buffer.byteLength(headText) - Buffer.byteLength(tailText);
  return { text: headText + omissionMarker(omittedBytes, headText) + tailText, omittedBytes };
}

/**
 * Trims a kept head back to its last line end and a kept tail forward past its
 * first, so that no cut line is shown — unless that would leave nothing, or
 * the tail already starts a line (`tailStartsLine`: the byte before it is a newline).
 */
export function onLineBoundaries(head: string, tail: string, tailStartsLine = false): [string, string] {
  const headEnd = head.lastIndexOf('\n');
  const tailStart = tail.indexOf('\n');
  return [
    headEnd === -1 ? head : head.slice(0, headEnd + 1),
    tailStartsLine || tailStart === -1 || tailStart === tail.length - 1 ? tail : tail.slice(tailStart + 1),
  ];
}
