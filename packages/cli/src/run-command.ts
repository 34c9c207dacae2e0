import type { Command } from 'commander';
import { type actionsInto, optionsOf } from './common-options.js';
import * as help from './help-text.js';
import * as lifetime from './lifetime-options.js';
import * as arg from './option-parsers.js';
import { restartOptions } from './restart-options.js';

/**
 * Adds `tend run` (the options of task/run, attaching, --tty) to `program`; its action loads
 * task-run.js when the command runs (so `--help` does not load the client).
 * @param act the action wrapper of the program (actionsInto), which stores the exit code.
 */
export function addRunCommand(program: Command, act: ReturnType<typeof actionsInto>): void {
  const run = program
    .command('run')
    .summary('start a command as a background task and print its id (attached with --wait/-a: its output)')
    .description(help.RUN_DESCRIPTION)
    .addHelpText('after', help.RUN_EXAMPLES)
    .argument('<command...>', 'the command line, best after "--"')
    .option(
      '--name <name>',
      'name of the task, unique among live tasks; usable instead of the id',
      arg.nameArg,
    )
    .option(
      '--cwd <dir>',
      "working directory (default: the current one); with a remote --host, a path on that machine (relative ones are resolved against the current directory's path)",
    )
    .option(
      '-e, --env <KEY=VALUE>',
      'set an environment variable (repeatable); a bare KEY passes on its value from this shell',
      arg.collectEnv,
    )
    .option(
      '--env-file <file>',
      'read KEY=VALUE lines (dotenv format, # comments) into the environment (repeatable; -e wins)',
      arg.collectList,
    )
    .option(
      '--env-from <source>',
      "environment to start from: caller or local (this shell's variables and umask; the default on this machine) or daemon (the daemon's; the default with a remote --host, whose tasks do not get this machine's variables)",
    )
    .option(
      '--timeout <duration>',
      'stop the task after this long: SIGTERM, SIGKILL 10s later (config killGraceMs); 30s, 5m, 1h, up to 30d; a bare number is seconds',
      arg.durationArg(arg.TASK_TIMEOUT),
    )
    .addOption(lifetime.lifetimeOption())
    .addOption(lifetime.ttlOption())
    .option('--memory-max <size>', help.MEMORY_MAX_HELP, arg.memoryMaxArg)
    .option('--pids-max <n>', help.PIDS_MAX_HELP, arg.pidsMaxArg)
    .option(
      '--wait',
      "attach: print the task's output (stdout and stderr) as it is written, then exit with its exit code; Ctrl-C detaches (with --json: print the ended task only)",
    )
    .option('-a, --attach', 'the same as --wait')
    .option(
      '--sig-proxy',
      'with --wait/-a: forward Ctrl-C (SIGINT), SIGTERM, SIGHUP, SIGQUIT and SIGUSR2 to the task instead of detaching',
    )
    .option(
      '--reuse',
      'with --name: if a live task of that name runs the same command in the same cwd, print its id instead of starting another',
    )
    .option(
      '--kill-leftovers',
      'when the command ends, SIGKILL the processes it left running (default: config killLeftovers, false: they run on, ps shows them, stop ends them)',
    )
    .option(
      '-t, --tty',
      'run the command under a pseudo-terminal (util-linux script), so it line-buffers and keeps colours; the log holds its bytes as written (logs --clean strips the colours)',
    )
    .option(
      '--description <text>',
      'what the task is for, in free text (at most 500 characters); ps, inspect and MCP list_tasks show it, ps --search finds it',
    )
    .option(
      '--no-notify',
      "leave its end out of agents' hook output and notifications (tend hook); tend inbox still lists it",
    )
    .option(
      '--trigger',
      "its end may continue a stopped agent: while it runs, the agent's Stop hook (tend hook <host> stop) waits for it",
    );
  for (const option of restartOptions()) run.addOption(option);
  run
    .passThroughOptions()
    .action(
      act(async (words: string[], _o, cmd: Command) =>
        (await import('./task-run.js')).runTask(words, optionsOf(cmd)),
      ),
    );
}
