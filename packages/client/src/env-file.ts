import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';

/** Raised for an `--env-file` that cannot be read or holds a line that is not `KEY=VALUE`. */
export class EnvFileError extends Error {
  override name = 'EnvFileError';
}

/**
 * One `KEY=VALUE` entry of dotenv's grammar: dotenv's own `LINE` pattern
 * (dotenv 18.0.10 dist/index.cjs, the same as lib/main.js of dotenv 16–17),
 * copied because dotenv does not export it. `parse` skips any text this does
 * not match; {@link parseEnvFile} uses it to find such text and refuse it.
 */
const DOTENV_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/**
 * Reads an env file in docker's / dotenv's format: `KEY=VALUE` lines, optional
 * `export `, values in single, double or back quotes (double quotes expand
 * `\n`; quoted values may span lines), `#` comments and blank lines. Parsing is
 * dotenv's `parse`; since it silently skips what it cannot read, every line not
 * blank, not a comment and not covered by a dotenv entry is refused instead.
 * @param path the file, as given on the command line (named in errors).
 * @returns the variables, in file order; a later line wins for a repeated key.
 * @throws EnvFileError naming the file (and line, for a bad line) when it cannot be read or a line is not KEY=VALUE.
 */
export function parseEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EnvFileError(`cannot read --env-file ${path}: ${(error as Error).message}`, { cause: error });
  }
  text = text.replace(/\r\n?/g, '\n'); // as dotenv does before matching
  const covered = new Uint8Array(text.length);
  for (const match of text.matchAll(DOTENV_LINE)) covered.fill(1, match.index, match.index + match[0].length);
  let start = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const trimmed = line.trim();
    const end = start + line.length;
    if (trimmed !== '' && !trimmed.startsWith('#') && covered.subarray(start, end).includes(0)) {
      const shown = trimmed.length > 60 ? `${trimmed.slice(0, 60)}…` : trimmed;
      throw new EnvFileError(
        `${path}:${i + 1}: not a KEY=VALUE line: "${shown}" (names are letters, digits, "_", "." or "-"; ` +
          'quote values that span lines; comments start with "#")',
      );
    }
    start = end + 1;
  }
  return parse(text);
}
