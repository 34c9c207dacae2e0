// Duration and size parsing (parse-duration, bytes) for commander's option parsers, loaded only for
// a command that has such an option: `tend ps`, `logs`, `inspect`… never load them. Commander's
// argument parsers are synchronous, so main() awaits {@link loadUnitsFor} (a preSubcommand hook)
// before commander parses the command's options.
import type { Command } from 'commander';
import type { DurationBounds } from './duration.js';

interface Units {
  checkDuration: (input: string, bounds: DurationBounds) => number;
  parseByteSize: (input: string) => number;
}

let loaded: Units | undefined;
/** The option parsers that need {@link units}: marked by {@link unitParser}. */
const UNIT_PARSERS = new WeakSet<object>();

/** Marks `parser` as one that calls {@link units}, so that {@link loadUnitsFor} loads them first. */
export function unitParser<F extends (...args: never[]) => unknown>(parser: F): F {
  UNIT_PARSERS.add(parser);
  return parser;
}

/**
 * Loads duration.js and byte-size.js when `command` has an option parsed by a {@link unitParser}.
 * Run as commander's preSubcommand hook, which parseAsync awaits before the subcommand parses.
 */
export async function loadUnitsFor(command: Command): Promise<void> {
  if (command.options.some((option) => option.parseArg && UNIT_PARSERS.has(option.parseArg)))
    await loadUnits();
}

/** Loads duration.js and byte-size.js (parse-duration, bytes) for {@link units}, once. */
export async function loadUnits(): Promise<void> {
  if (loaded) return;
  const [duration, size] = await Promise.all([import('./duration.js'), import('./byte-size.js')]);
  loaded = { checkDuration: duration.checkDuration, parseByteSize: size.parseByteSize };
}

/**
 * The duration and size parsers.
 * @throws Error when called before {@link loadUnitsFor} loaded them (a parser not marked with {@link unitParser}).
 */
export function units(): Units {
  if (!loaded)
    throw new Error('internal error: a duration or size option was parsed before its parser was loaded');
  return loaded;
}
