import { createInterface } from 'node:readline/promises';
import type { TaskPrune } from '@tend/protocol';
import { TERMINAL_STATES, type ParamsOf } from '@tend/protocol/wire';
import { withClient, type GlobalOptions } from './connect.js';
import { parseDuration } from './duration.js';
import { CliError } from './errors.js';
import { formatBytes, printJson, printLine } from './output.js';

/** Options of `tend prune`. */
export interface PruneOptions extends GlobalOptions {
  /** Prune without asking. */
  force?: boolean;
  /** Only tasks that ended at least this long ago, in ms. */
  olderThan?: number;
  /** docker-style filters: `state=<ended state>` (repeatable), `until=<duration>`. */
  filter?: string[];
}

/** How `tend prune` asks for confirmation; a test may give its own. */
export interface Confirm {
  /** True when a person can be asked (stdin is a terminal). */
  interactive: boolean;
  /** Asks `question`; resolves with the answer line. */
  ask(question: string): Promise<string>;
}

/** Parsed `--filter`s and `--older-than` as task/prune params. */
export type PruneFilter = Pick<ParamsOf<typeof TaskPrune>, 'olderThanMs' | 'state'>;

/** An ended state, as task/prune's `state` takes it. */
type EndedState = NonNullable<PruneFilter['state']>[number];

/**
 * Reads docker-style `--filter key=value` strings: `state=<ended state>`
 * (repeatable: any of them) and `until=<duration>` (ended at least that long
 * ago, like `--older-than`; the later one wins).
 * @throws CliError naming the filter when its key or value is not one of those.
 */
export function parsePruneFilters(filters: readonly string[], olderThanMs?: number): PruneFilter {
  const result: PruneFilter = olderThanMs !== undefined ? { olderThanMs } : {};
  for (const filter of filters) {
    const eq = filter.indexOf('=');
    const key = eq < 0 ? filter : filter.slice(0, eq);
    const value = eq < 0 ? '' : filter.slice(eq + 1);
    if (key === 'state') {
      if (!(TERMINAL_STATES as readonly string[]).includes(value)) {
        throw new CliError(
          `--filter ${filter}: state must be one of the ended states ${TERMINAL_STATES.join(', ')}`,
        );
      }
      result.state = [...(result.state ?? []), value as EndedState];
    } else if (key === 'until') {
      try {
        result.olderThanMs = parseDuration(value);
      } catch (err) {
        throw new CliError(`--filter ${filter}: ${(err as Error).message}`);
      }
    } else {
      throw new CliError(`--filter ${filter}: unknown filter; use state=<ended state> or until=<duration>`);
    }
  }
  return result;
}

/**
 * `tend prune`: removes ended tasks (never live ones) with their output and
 * inbox entries (`task/prune`), like `docker container prune`. Without `-f` it
 * says how many tasks and bytes would go and asks `[y/N]` on the terminal; with
 * no terminal on stdin and no `-f` it refuses (a script must say -f). Prints the
 * removed ids and the space freed, or the task/prune result as JSON.
 * @returns 0 (also when the user declines: nothing was asked of tend that failed).
 * @throws CliError for a bad filter, or without -f when stdin is not a terminal.
 */
export async function pruneTasks(
  options: PruneOptions,
  confirm: Confirm = terminalConfirm(),
): Promise<number> {
  const filter = parsePruneFilters(options.filter ?? [], options.olderThan);
  if (!options.force && !confirm.interactive) {
    throw new CliError(
      'tend prune asks before removing, and stdin is not a terminal to ask on; pass -f to prune without asking',
    );
  }
  return withClient(options, async (client) => {
    if (!options.force) {
      const preview = await client.prune({ ...filter, dryRun: true });
      if (preview.count === 0) {
        if (options.json) await printJson(preview);
        else await printLine('Nothing to prune: no ended task matches.');
        return 0;
      }
      const answer = await confirm.ask(
        `WARNING! This will remove ${preview.count} ended task${preview.count === 1 ? '' : 's'} ` +
          `(${formatBytes(preview.bytesFreed)} on disk) with their output and inbox entries.\nAre you sure you want to continue? [y/N] `,
      );
      if (!/^\s*y(es)?\s*$/i.test(answer)) {
        process.stderr.write('tend: nothing removed\n');
        return 0;
      }
    }
    const result = await client.prune({ ...filter, dryRun: false });
    if (options.json) {
      await printJson(result);
      return 0;
    }
    if (result.count > 0) {
      await printLine('Deleted tasks:');
      for (const id of result.removed) await printLine(id);
      await printLine('');
    }
    await printLine(`Total reclaimed space: ${formatBytes(result.bytesFreed)}`);
    return 0;
  });
}

/** Asks on this process's terminal (stderr for the question, so stdout stays data). */
function terminalConfirm(): Confirm {
  return {
    interactive: process.stdin.isTTY === true,
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}
