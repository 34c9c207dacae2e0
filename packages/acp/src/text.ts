/**
 * A shell command line that runs `command` with `args` as separate words (ACP's exec-style
 * `command` + `args`): each word single-quoted (`'it'\''s'`). Without args, `command` itself is the line, so a
 * program name and a whole shell command line (what most agents send) both work.
 */
export function shellLine(command: string, args: readonly string[]): string {
  if (args.length === 0) return command;
  return [command, ...args].map(quote).join(' ');
}

function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The text of the end of an output whose start may be cut: when `cutAtStart`, the UTF-8 continuation bytes
 * (10xxxxxx) the cut left at the front are dropped (at most 3, the tail of one character), so the text starts
 * at a character boundary, as ACP asks of `outputByteLimit` (the result may be up to 3 bytes shorter than the
 * limit). `cutBytes` counts the bytes dropped. Bytes that are not UTF-8 decode to U+FFFD.
 */
export function keepEnd(bytes: Buffer, cutAtStart: boolean): { text: string; cutBytes: number } {
  let start = 0;
  if (cutAtStart) while (start < 3 && start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return { text: bytes.subarray(start).toString('utf8'), cutBytes: start };
}
