// What every `tend` command shares: its exit code's way out of commander, --json and --session after the command
// name, the check that --session is not given where it does nothing, and the
// merge of a command's options with its ancestors'.
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { HOST_HELP, SESSION_HELP } from './help-text.js';

/** Mutable outcome of one parse: the exit code an action returned. */
export interface Outcome {
  code: number;
}

/** Wraps command actions so that each stores the exit code it returns in `outcome`. */
export function actionsInto(outcome: Outcome) {
  return <A extends unknown[]>(run: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      outcome.code = await run(...args);
    };
}

/** Commands that use the session of `--session` / $TEND_SESSION (`ps` has its own filter option). */
export const SESSION_COMMANDS = ['run', 'inbox', 'mcp', 'hook'];

/** True for commands that act on this machine only (dial-stdio, the context commands): --host/--context do not apply. */
export function isLocalOnly(cmd: Command): boolean {
  return cmd.name() === 'dial-stdio' || cmd.parent?.name() === 'context';
}

/**
 * Adds the options every command takes after its name too: --json, --host (not for the local-only
 * commands), and --session where the command uses it.
 */
export function addCommonOptions(cmd: Command): void {
  cmd.option('--json', 'print JSON instead of text');
  if (!isLocalOnly(cmd) && !cmd.options.some((o) => o.long === '--host'))
    cmd.option('-H, --host <url>', HOST_HELP);
  if (SESSION_COMMANDS.includes(cmd.name())) cmd.option('--session <id>', SESSION_HELP);
}

/**
 * Refuses `tend --host H <command>` (or --context) for a command that acts on this machine only.
 * @throws CliError naming the command.
 */
export function checkGlobalHost(program: Command, action: Command): void {
  const { host, context } = program.opts() as { host?: string; context?: string };
  if ((host === undefined && context === undefined) || !isLocalOnly(action)) return;
  throw new CliError(
    `--host and --context do nothing for tend ${action.parent?.name()} ${action.name()}, which acts on this machine: leave them out`,
  );
}

/**
 * Refuses `tend --session S <command>` for a command that would ignore it.
 * @throws CliError naming the command and those that take --session.
 */
export function checkGlobalSession(program: Command, action: Command): void {
  if (
    program.opts().session === undefined ||
    SESSION_COMMANDS.includes(action.name()) ||
    action.name() === 'ps'
  )
    return;
  throw new CliError(
    `--session does nothing for tend ${action.parent === program ? '' : `${action.parent?.name()} `}${action.name()}; ` +
      'it applies to run, inbox, mcp, hook and (as a filter) ps: leave it out',
  );
}

/** Commands that have no subcommands (those that run an action). */
export function leaves(cmd: Command): Command[] {
  return cmd.commands.flatMap((sub) =>
    sub.commands.length > 0 ? leaves(sub) : sub.name() === 'help' ? [] : [sub],
  );
}

/** Options of `cmd` merged with its ancestors'; the command's own win. */
export function optionsOf<T>(cmd: Command): T {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.unshift(c);
  return Object.assign({}, ...chain.map((c) => c.opts())) as T;
}
