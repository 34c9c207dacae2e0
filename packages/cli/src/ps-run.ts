// The ps fast path's run (fast-path.ts decides; this runs): a module of its own so that the release bundle
// can make it one file with everything a plain `tend ps` runs (scripts/bundle.mjs, issue 13), while the
// entry (bin.ts and fast-path.ts) stays small for every other command.
import { reportFailure, wantsJson } from './failure.js';
import type { ListOptions } from './task-list.js';

/**
 * Runs `tend ps` with `options` (from plainPsOptions of `args`): the same action, output, errors (`tend: …`
 * on stderr, the `--json` failure object on stdout) and exit codes as through commander.
 * @param args the user's arguments, for `--json` failure reports.
 * @returns the exit code.
 */
export async function runPs(options: ListOptions, args: readonly string[]): Promise<number> {
  try {
    // connect() imports the client when it runs: asked for now too, its files are read and compiled
    // alongside task-list.js's instead of one after the other (in the release bundle both are in this file).
    const [list] = await Promise.all([import('./task-list.js'), import('@tend/client')]);
    return await list.listTasks(options);
  } catch (err) {
    return reportFailure(err, wantsJson(args));
  }
}
