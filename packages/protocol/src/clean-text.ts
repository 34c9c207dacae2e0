import stripAnsi from 'strip-ansi';

/**
 * What task/output's `clean` does to text, shared by the daemon and by
 * clients that clean a followed stream themselves: ANSI escape sequences
 * removed (strip-ansi) and each line reduced to what a terminal would finally
 * show after `\r` redraws (progress bars): the text after the last carriage
 * return. CRLF line ends become LF.
 */
export function cleanText(text: string): string {
  return stripAnsi(text)
    .split('\n')
    .map((line) => {
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      const last = trimmed.lastIndexOf('\r');
      return last === -1 ? trimmed : trimmed.slice(last + 1);
    })
    .join('\n');
}
