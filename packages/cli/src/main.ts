import { CommanderError } from 'commander';
import { CliError } from './errors.js';
import { commandName, commandPathOf } from './command-path.js';
import { ExitCode } from './exit-codes.js';
import { exitCodeOfError, jsonFailure, reportFailure, wantsJson } from './failure.js';
import type { Outcome } from './common-options.js';
import { buildProgram } from './program.js';

/**
 * Runs `tend` with the user's arguments (without `node` and the script path).
 * Errors are printed as `tend: <message>` on stderr and, with `--json`, as one
 * `{"error": {reason, message, exitCode, …}}` line on stdout (see {@link jsonFailure}).
 * `tend` or `tend daemon` alone print their help on stdout.
 * @returns the exit code: the action's, 0 after --help/--version, 125 for
 *   usage errors and tend's own failures (see {@link ExitCode}).
 */
export async function main(args: readonly string[]): Promise<number> {
  const outcome: Outcome = { code: ExitCode.Ok };
  const json = wantsJson(args);
  try {
    const program = buildProgram(outcome);
    const path = commandPathOf(program, args);
    if (path.kind === 'group') {
      process.stdout.write(path.command.helpInformation());
      return ExitCode.Ok;
    }
    if (path.kind === 'unknown') {
      // The commands --help lists (commander's visibleCommands: hidden ones such as __complete left out).
      const names = path.command
        .createHelp()
        .visibleCommands(path.command)
        .map((c) => c.name())
        .filter((n) => n !== 'help');
      const where = commandName(path.command);
      throw new CliError(
        `unknown command '${path.word}'; the commands of ${where} are ${names.join(', ')} (see ${where} --help)`,
        {
          reason: 'usage',
        },
      );
    }
    await program.parseAsync([...args], { from: 'user' });
    return outcome.code;
  } catch (err) {
    const code = exitCodeOfError(err);
    if (err instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      if (code !== ExitCode.Ok && json) process.stdout.write(`${JSON.stringify(jsonFailure(err))}\n`);
      return code;
    }
    return reportFailure(err, json);
  }
}
