import { quote } from 'shell-quote';

/**
 * Builds the shell command line a task runs from the words after `tend run --`.
 * One word is taken as a command line as-is (`tend run -- 'make && make test'`);
 * several are quoted one by one (shell-quote) and joined with spaces, so that
 * `tend run -- echo '$HOME'` prints `$HOME` literally, as exec would.
 * @throws Error when there is no word or the command line is blank.
 */
export function joinCommand(words: readonly string[]): string {
  const line = words.length === 1 ? (words[0] as string) : quote([...words]);
  if (line.trim() === '') throw new Error('no command given: put it after "--", e.g. tend run -- make test');
  return line;
}
