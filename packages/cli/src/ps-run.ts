// The ps fast path's run (fast-path.ts decides; this runs): a module of its own, imported only for a plain
// `tend ps`, so that the release bundle can give it and everything it loads (the task list, the table, the
// client) few files apart from the commander program's chunks (scripts/bundle.mjs, issue 13),
// while the entry (bin.ts and fast-path.ts) stays small for every other command.
import { reportFailure, wantsJson } from './failure.js';
import { type ListOptions, listTasks } from './task-list.js';

/**
 * Runs `tend ps` with `options` (from plainPsOptions of `args`): the same action, output, errors (`tend: …`
 * on stderr, the `--json` failure object on stdout) and exit codes as through commander.
 * @param args the user's arguments, for `--json` failure reports.
 * @returns the exit code.
 */
export async function runPs(options: ListOptions, args: readonly string[]): Promise<number> {
  try {
    return await listTasks(options);
  } catch (err) {
    return reportFailure(err, wantsJson(args));
  }
}
