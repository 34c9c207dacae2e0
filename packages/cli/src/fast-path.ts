// `tend ps` (and `tend ls`) without commander: the most frequent read-only command, run by people and
// scripts in loops, where loading and building the whole commander program (every command's options and
// help) was a third of a cold `ps`'s own time (issue 13). Only the plain forms are taken here; anything
// else (--help, an unknown or repeated option, a value that starts with `-`, combined short flags) goes
// to commander (main.ts), which gives the same output and the same errors as before.
import type { ListOptions } from './task-list.js';

/** `ps` options that take no value: flag → ListOptions key. */
const FLAGS: Readonly<Record<string, 'all' | 'stats' | 'here' | 'json'>> = {
  '-a': 'all',
  '--all': 'all',
  '-s': 'stats',
  '--stats': 'stats',
  '--here': 'here',
  '--json': 'json',
};

/** `ps` options that take a value (`--cwd DIR` or `--cwd=DIR`). */
const VALUED = new Set(['--session', '--cwd']);

/**
 * The options of a plain `tend [--json] ps|ls [options]` command line, as commander would give them to
 * the ps action (see program.ts), or undefined when `args` is anything else.
 * @param args the user's arguments (without `node` and the script path).
 */
export function plainPsOptions(args: readonly string[]): ListOptions | undefined {
  // commander's defaults of the negatable --no-trunc and --no-color.
  const options: ListOptions = { trunc: true, color: true };
  let at = 0;
  if (args[at] === '--json') {
    options.json = true;
    at++;
  }
  if (args[at] !== 'ps' && args[at] !== 'ls') return undefined;
  const seen = new Set<string>();
  for (at++; at < args.length; at++) {
    const word = args[at] as string;
    const flag = FLAGS[word];
    if (flag) {
      options[flag] = true;
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(0, eq) : word;
    if (!VALUED.has(name) || seen.has(name)) return undefined;
    seen.add(name);
    let value: string | undefined;
    if (eq > 0) value = word.slice(eq + 1);
    else {
      value = args[++at];
      if (value === undefined || value.startsWith('-')) return undefined;
    }
    if (name === '--cwd') options.cwd = value;
    else options.session = value;
  }
  return options;
}

/**
 * Runs `args` when they are a plain `ps` command line ({@link plainPsOptions}): the same action, output,
 * errors (`tend: …` on stderr, the `--json` failure object on stdout) and exit codes as through commander
 * (ps-run.ts, loaded only then).
 * @returns the exit code, or undefined when `args` must go through commander (main.ts).
 */
export async function runFastPath(args: readonly string[]): Promise<number | undefined> {
  const options = plainPsOptions(args);
  if (!options) return undefined;
  return (await import('./ps-run.js')).runPs(options, args);
}
