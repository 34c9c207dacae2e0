import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { parseDuration } from './duration.js';
import { parseEnvPair } from './env-pairs.js';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { HELP_AFTER, LOGS_EXAMPLES, RUN_EXAMPLES, SESSION_HELP, WAIT_EXAMPLES } from './help-text.js';
import { CLI_VERSION } from './version.js';

// Command modules are imported when their command runs, so that `--help` and
// usage errors do not load the client, the protocol schemas or zod.

/** Mutable outcome of one parse: the exit code an action returned. */
interface Outcome {
  code: number;
}

/**
 * Builds the `tend` commander program. Actions store their exit code in
 * `outcome`; errors (commander's usage errors included) are thrown, not
 * exited on (`exitOverride`), and commander's messages read `tend: …`.
 */
export function buildProgram(outcome: Outcome = { code: 0 }): Command {
  const program = new Command('tend')
    .description(
      'Run shell commands as background tasks that outlive the terminal, editor or agent that started them.\n' +
        'A per-user daemon (started on demand) supervises them and keeps their output.',
    )
    .version(CLI_VERSION, '-V, --version', 'print the version of tend')
    .option('--json', 'print JSON instead of text')
    .option('--session <id>', SESSION_HELP)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'tend: ')) })
    .addHelpText('after', HELP_AFTER);

  const act =
    <A extends unknown[]>(run: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      outcome.code = await run(...args);
    };

  program.command('run')
    .summary('start a command as a background task and print its id')
    .description(
      'Start <command> in the background through the shell and print the task id alone on stdout. ' +
        'One word after "--" is a shell command line, used as-is; several words are quoted one by one ' +
        'and joined, as exec would run them. Options after the first word of the command belong to the command.',
    )
    .addHelpText('after', RUN_EXAMPLES)
    .argument('<command...>', 'the command line, best after "--"')
    .option('--name <name>', 'name of the task, unique among live tasks; usable instead of the id')
    .option('--cwd <dir>', 'working directory (default: the current one)')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collectEnv)
    .option('--timeout <duration>', 'stop the task after this long (30s, 5m, 1h; a bare number is seconds)', durationArg)
    .option('--wait', "wait for the task to end and exit with its exit code")
    .option('--reuse', 'with --name: if a live task of that name runs the same command in the same cwd, print its id instead of starting another')
    .passThroughOptions()
    .action(act(async (words: string[], _o, cmd: Command) => (await import('./task-run.js')).runTask(words, optionsOf(cmd))));

  program.command('ps')
    .alias('ls')
    .description('list live tasks, newest first, with their CPU, memory and listening ports')
    .option('-a, --all', 'include ended tasks')
    .option('--session <id>', 'only tasks started in this session (not taken from $TEND_SESSION)')
    .option('--cwd <dir>', 'only tasks whose working directory is <dir> or below it')
    .option('--here', 'only tasks whose working directory is the current one or below it')
    .action(act(async (_o, cmd: Command) => (await import('./task-list.js')).listTasks(optionsOf(cmd))));

  program.command('logs')
    .description("print a task's output (stdout and stderr), byte for byte as written")
    .addHelpText('after', LOGS_EXAMPLES)
    .argument('<id>', 'task id, unique id prefix or name')
    .option('-f, --follow', 'keep printing new output until the task ends')
    .option('-n, --lines <count>', 'only the last <count> lines', countArg)
    .option('--head <count>', 'only the first <count> lines', countArg)
    .option('--bytes <count>', 'only the last <count> bytes', countArg)
    .option('--new', "only what this reader has not read yet; moves the reader's cursor (kept by the daemon)")
    .option('--reader <name>', 'whose cursor --new uses (default: cli:<your user name>); implies --new')
    .option('--clean', 'remove ANSI escapes; keep only the last state of lines redrawn with \\r (progress bars; with -f, a line prints once it is finished)')
    .option('--grep <regex>', 'only lines matching <regex> (RE2 syntax, linear time)')
    .option('-C, --context <lines>', 'with --grep: lines of context around each match (at most 50)', countArg)
    .option('-i, --ignore-case', 'with --grep: ignore case')
    .option('--max-bytes <count>', 'at most <count> bytes: the first and last lines kept, the middle replaced by a marker (256 to 1048576)', countArg)
    .action(act(async (id: string, _o, cmd: Command) => (await import('./task-output.js')).showLogs(id, optionsOf(cmd))));

  program.command('wait')
    .description(
      "wait for tasks to end; exit with the last one's exit code (128+N for signal N). " +
        'With --until-output, --until-port or --until-http (one task): wait until that holds and exit 0 ' +
        "(the task's exit code if it ended first)",
    )
    .addHelpText('after', WAIT_EXAMPLES)
    .argument('<id...>', 'task ids, unique id prefixes or names')
    .option('--timeout <duration>', 'give up after this long and exit 124 (30s, 5m; a bare number is seconds)', durationArg)
    .option('--until-output <regex>', 'until a line of its output (printed before too) matches <regex>; print that line')
    .option('--until-port <port>', "until the task's processes listen on TCP <port>", countArg)
    .option('--until-http <url>', 'until <url> answers an HTTP request (any status)')
    .action(act(async (ids: string[], _o, cmd: Command) => (await import('./task-wait.js')).waitTasks(ids, optionsOf(cmd))));

  program.command('inbox')
    .description(
      'list ends of tasks not acknowledged yet, oldest first, with their last lines: those of the session ' +
        '(--session, else $TEND_SESSION), else of every task',
    )
    .option('--ack', 'acknowledge the ends listed: the next inbox leaves them out')
    .option('-a, --all', 'list every end kept, acknowledged ones too')
    .option('-q, --quiet', 'only the table, without the last lines')
    .action(act(async (_o, cmd: Command) => (await import('./task-completions.js')).showInbox(optionsOf(cmd))));

  program.command('stop')
    .description('stop tasks: SIGTERM to their process group, SIGKILL after a grace period; wait for their end')
    .argument('<id...>', 'task ids, unique id prefixes or names')
    .option('-t, --time <duration>', 'grace period before SIGKILL (default: 10s; a bare number is seconds)', durationArg)
    .action(act(async (ids: string[], _o, cmd: Command) => (await import('./task-kill.js')).stopTasks(ids, optionsOf(cmd))));

  program.command('kill')
    .description("send a signal to tasks' process groups (default SIGKILL)")
    .argument('<id...>', 'task ids, unique id prefixes or names')
    .option('-s, --signal <signal>', 'signal name or number: KILL, SIGTERM, 15…', 'SIGKILL')
    .action(act(async (ids: string[], _o, cmd: Command) => (await import('./task-kill.js')).killTasks(ids, optionsOf(cmd))));

  program.command('rm')
    .description('remove ended tasks and their output')
    .argument('<id...>', 'task ids, unique id prefixes or names')
    .option('-f, --force', 'kill live tasks first (SIGKILL) instead of refusing them')
    .action(act(async (ids: string[], _o, cmd: Command) => (await import('./task-remove.js')).removeTasks(ids, optionsOf(cmd))));

  program.command('inspect')
    .description('print everything tend knows about a task, as JSON (live ones with CPU, memory and ports: stats)')
    .argument('<id>', 'task id, unique id prefix or name')
    .action(act(async (id: string, _o, cmd: Command) => (await import('./task-get.js')).inspectTask(id, optionsOf(cmd))));

  program.command('mcp')
    .description('serve tend to an AI agent over MCP (stdio): start_task, list_tasks, read_output, wait_task, stop_task, task_inbox')
    .option('--cwd <dir>', 'workspace: default cwd of tasks and part of the default session (default: the current directory)')
    .action(act(async (_o, cmd: Command) => (await import('./mcp.js')).serveMcp(optionsOf(cmd))));

  const daemon = program.command('daemon').description('start, stop, restart or query the tend daemon');
  daemon.command('start')
    .description('start the daemon if it is not running; print its pid')
    .action(act(async (_o, cmd: Command) => (await import('./daemon.js')).startDaemon(optionsOf(cmd))));
  daemon.command('stop')
    .description('stop the daemon; tasks keep running and are adopted by the next daemon')
    .option('--kill-tasks', 'stop every live task too')
    .action(act(async (_o, cmd: Command) => (await import('./daemon.js')).stopDaemon(optionsOf(cmd))));
  daemon.command('restart')
    .description('stop the daemon, then start a new one; tasks survive')
    .option('--kill-tasks', 'stop every live task too')
    .action(act(async (_o, cmd: Command) => (await import('./daemon.js')).restartDaemon(optionsOf(cmd))));
  daemon.command('status')
    .description('show pid, version, uptime, paths and task counts of the running daemon')
    .action(act(async (_o, cmd: Command) => (await import('./daemon.js')).showDaemonStatus(optionsOf(cmd))));

  for (const cmd of leaves(program)) addCommonOptions(cmd);
  return program;
}

/**
 * Runs `tend` with the user's arguments (without `node` and the script path).
 * Errors are printed as `tend: <message>` on stderr.
 * @returns the exit code: the action's, 0 after --help/--version, 125 for
 *   usage errors and tend's own failures (see {@link ExitCode}).
 */
export async function main(args: readonly string[]): Promise<number> {
  const outcome: Outcome = { code: ExitCode.Ok };
  try {
    await buildProgram(outcome).parseAsync([...args], { from: 'user' });
    return outcome.code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.TendFailure;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`tend: ${message}\n`);
    if (process.env.TEND_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return err instanceof CliError ? err.exitCode : ExitCode.TendFailure;
  }
}

/** Adds the options every command takes after its name too: --json and --session (unless it has its own). */
function addCommonOptions(cmd: Command): void {
  cmd.option('--json', 'print JSON instead of text');
  if (!cmd.options.some((option) => option.long === '--session')) cmd.option('--session <id>', SESSION_HELP);
}

/** Commands that have no subcommands (those that run an action). */
function leaves(cmd: Command): Command[] {
  return cmd.commands.flatMap((sub) => (sub.commands.length > 0 ? leaves(sub) : sub.name() === 'help' ? [] : [sub]));
}

/** Options of `cmd` merged with its ancestors'; the command's own win. */
function optionsOf<T>(cmd: Command): T {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.unshift(c);
  return Object.assign({}, ...chain.map((c) => c.opts())) as T;
}

function durationArg(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function countArg(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number (0 or more)');
  return Number(value);
}

function collectEnv(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  try {
    const [key, val] = parseEnvPair(value);
    return { ...previous, [key]: val };
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
