import type { Command } from 'commander';

/** What the words of a command line name before commander parses them. */
export type CommandPath =
  /** A command that only groups others (`tend`, `tend daemon`) was given without one: show its help. */
  | { kind: 'group'; command: Command }
  /** A word where a command was expected names none. */
  | { kind: 'unknown'; word: string; command: Command }
  /** A command that runs (or `help`, `--help`, `--version` at a group): commander handles it. */
  | { kind: 'leaf' };

/**
 * Finds the command `args` name, skipping options (and the value of those that
 * take one). Commander alone shows the main help for `tend stats --help` and
 * prints help to stderr with an error for a bare `tend`; this lets the caller
 * say "unknown command" and print a group's help on stdout instead.
 */
export function commandPathOf(program: Command, args: readonly string[]): CommandPath {
  let command = program;
  let asked = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word === undefined || word === '--') break;
    if (word.startsWith('-')) {
      if (['-h', '--help', '-V', '--version'].includes(word)) asked = true;
      const option = command.options.find((o) => o.long === word || o.short === word);
      if (option && (option.required || option.optional)) i++;
      continue;
    }
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) return word === 'help' ? { kind: 'leaf' } : { kind: 'unknown', word, command };
    if (sub.commands.length === 0) return { kind: 'leaf' };
    command = sub;
  }
  return asked ? { kind: 'leaf' } : { kind: 'group', command };
}

/** `tend daemon`, `tend`: the path of a command as typed, for messages. */
export function commandName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
