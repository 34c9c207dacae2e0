import { Command } from 'commander';
import { DEFAULT_KILL_GRACE_MS, TEND_VERSION } from '@tend/protocol/wire';
import {
  actionsInto,
  addCommonOptions,
  checkGlobalHost,
  checkGlobalSession,
  leaves,
  type Outcome,
  optionsOf,
} from './common-options.js';
import * as help from './help-text.js';
import * as arg from './option-parsers.js';
import { addRunCommand } from './run-command.js';
import { loadUnitsFor } from './units.js';

// Command modules are imported when their command runs, so that `--help` and
// usage errors do not load the client, the protocol schemas or zod.

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
    .version(TEND_VERSION, '-V, --version', 'print the version of tend')
    .option('--json', 'print JSON instead of text')
    .option('--session <id>', `${help.SESSION_HELP}; for run, inbox, mcp and hook`)
    .option('-H, --host <url>', help.HOST_HELP)
    .option('-c, --context <name>', help.CONTEXT_HELP)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'tend: ')) })
    .addHelpText('after', help.HELP_AFTER);

  const act = actionsInto(outcome);

  addRunCommand(program, act);

  // A plain `tend ps` does not come here: fast-path.ts parses these options itself (fast-path.test.ts
  // checks it gives what this declaration gives; an option it does not know goes to commander).
  program
    .command('ps')
    .alias('ls')
    .description('list live tasks, newest first')
    .option('-a, --all', 'include ended tasks')
    .option(
      '-s, --stats',
      "add CPU, memory (RSS) and listening TCP ports of live tasks' processes (one more daemon call, which reads their /proc entries)",
    )
    .option('--session <id>', 'only tasks started in this session (not taken from $TEND_SESSION)')
    .option('--cwd <dir>', 'only tasks whose working directory is <dir> or below it')
    .option('--here', 'only tasks whose working directory is the current one or below it')
    .option(
      '--search <text>',
      'only tasks whose name, command or description holds <text> (ASCII letters in any case)',
    )
    .option(
      '--project <dir>',
      'only the tasks of the project whose tend.toml is in <dir> or above it (".": the current directory\'s project)',
    )
    .option('-q, --quiet', 'only the task ids, one per line (tend rm $(tend ps -aq --filter state=failed))')
    .option(
      '-f, --filter <key=value>',
      'only tasks matching; repeatable: a key given twice matches either value, different keys all (see below)',
      arg.collectList,
    )
    .option(
      '--format <template>',
      "one line per task from a template, e.g. '{{.ID}}\\t{{.Name}}\\t{{.State}}', or json (one JSON object per line)",
    )
    .option('--no-trunc', 'do not cut the command to the terminal width')
    .option('--no-color', 'no colours (also with NO_COLOR set, or when stdout is no terminal)')
    .addHelpText('after', help.PS_FILTERS)
    .action(act(async (_o, cmd: Command) => (await import('./task-list.js')).listTasks(optionsOf(cmd))));

  program
    .command('up')
    .description(
      'start the tasks of the project file (tend.toml, found in the current directory or above) and what they ' +
        'depend on, in dependency order, each once its dependencies are ready (the daemon does the waiting); ' +
        'print a line per task as it changes; exit 0 once every task is ready, 1 naming the one that failed or ' +
        'timed out, with its last lines. Running tasks of the project are reused: up again starts nothing new',
    )
    .argument('[name...]', 'tasks to bring up (default: all of the file)')
    .option('-f, --file <file>', 'the project file (default: the nearest tend.toml)')
    .action(
      act(async (names: string[], _o, cmd: Command) =>
        (await import('./project-up.js')).projectUp(names, optionsOf(cmd)),
      ),
    );

  program
    .command('down')
    .description(
      "stop the project's running tasks (default: all) and the tasks that depend on them, dependants first",
    )
    .argument(
      '[name...]',
      'tasks to stop, with what depends on them (default: every running task of the project)',
    )
    .option('-f, --file <file>', 'the project file (default: the nearest tend.toml)')
    .option(
      '--grace <duration>',
      'time between SIGTERM and SIGKILL for each task (default 10s)',
      arg.durationArg(arg.STOP_GRACE),
    )
    .action(
      act(async (names: string[], _o, cmd: Command) =>
        (await import('./project-down.js')).projectDown(names, optionsOf(cmd)),
      ),
    );

  program
    .command('logs')
    .description("print a task's output (stdout and stderr), byte for byte as written")
    .addHelpText('after', help.LOGS_EXAMPLES)
    .argument('<id>', 'task id, unique id prefix or name')
    .option('-f, --follow', 'keep printing new output until the task ends')
    .option('-n, --lines <count>', 'only the last <count> lines', arg.countArg)
    .option('--head <count>', 'only the first <count> lines', arg.countArg)
    .option('--bytes <count>', 'only the last <count> bytes', arg.countArg)
    .option('--new', "only what this reader has not read yet; moves the reader's cursor (kept by the daemon)")
    .option('--reader <name>', 'whose cursor --new uses (default: cli:<your user name>); implies --new')
    .option(
      '--clean',
      'remove ANSI escapes; keep only the last state of lines redrawn with \\r (progress bars; with -f, a line prints once it is finished)',
    )
    .option(
      '--grep <regex>',
      'only lines matching <regex> (RE2 syntax, linear time); exit 1 when no line matches, as grep',
    )
    .option(
      '-C, --context <lines>',
      'with --grep: lines of context around each match (at most 50)',
      arg.countArg,
    )
    .option('-i, --ignore-case', 'with --grep: ignore case')
    .option(
      '--max-bytes <count>',
      'at most <count> bytes: the first and last lines kept, the middle replaced by a marker (256 to 1048576)',
      arg.countArg,
    )
    .action(
      act(async (id: string, _o, cmd: Command) =>
        (await import('./task-output.js')).showOutput(id, optionsOf(cmd)),
      ),
    );

  program
    .command('wait')
    .description(
      'wait for tasks to end; exit 0 when all succeeded, else with the exit code of the first one (in the order given) ' +
        'that did not (128+N for signal N, 124 timed out, 125 lost or unknown); with several ids, print one status line each. ' +
        'With --until-output, --until-port or --until-http (one task): wait until that holds and exit 0 ' +
        "(the task's exit code if it ended first)",
    )
    .addHelpText('after', help.WAIT_EXAMPLES)
    .argument('<id...>', 'task ids, unique id prefixes or names')
    .option(
      '--timeout <duration>',
      'give up after this long and exit 124 (30s, 5m; a bare number is seconds)',
      arg.durationArg(arg.WAIT_TIMEOUT),
    )
    .option(
      '--until-output <regex>',
      'until a line of its output (printed before too) matches <regex>; print that line',
    )
    .option('--until-port <port>', "until the task's processes listen on TCP <port>", arg.countArg)
    .option('--until-http <url>', 'until <url> answers an HTTP request (any status)')
    .action(
      act(async (ids: string[], _o, cmd: Command) =>
        (await import('./task-wait.js')).waitTasks(ids, optionsOf(cmd)),
      ),
    );

  program
    .command('inbox')
    .description(
      'list ends of tasks not acknowledged yet, oldest first, with their last lines: those of the session ' +
        '(--session, else $TEND_SESSION), else of every task',
    )
    .option('--ack', 'acknowledge the ends listed: the next inbox leaves them out')
    .option('-a, --all', 'list every end kept, acknowledged ones too')
    .option('-q, --quiet', 'only the table, without the last lines')
    .action(
      act(async (_o, cmd: Command) =>
        (await import('./task-completions.js')).showCompletions(optionsOf(cmd)),
      ),
    );

  program
    .command('stop')
    .description(
      'stop tasks: SIGTERM (and SIGCONT) to their process group, SIGKILL after a grace period; wait until none of their processes is left (also ends the leftovers of an ended task)',
    )
    .argument('<id...>', 'task ids, unique id prefixes or names')
    .option(
      '-t, --time <duration>',
      `grace period before SIGKILL, 0 to 5m (default: ${DEFAULT_KILL_GRACE_MS / 1000}s, as docker stop; a bare number is seconds)`,
      arg.durationArg(arg.STOP_GRACE),
    )
    .action(
      act(async (ids: string[], _o, cmd: Command) =>
        (await import('./task-kill.js')).stopTasks(ids, optionsOf(cmd)),
      ),
    );

  program
    .command('kill')
    .description("send a signal to tasks' process groups (default SIGKILL)")
    .argument('<id...>', 'task ids, unique id prefixes or names')
    .option('-s, --signal <signal>', 'signal name or number: KILL, SIGTERM, 15…', 'SIGKILL')
    .action(
      act(async (ids: string[], _o, cmd: Command) =>
        (await import('./task-kill.js')).killTasks(ids, optionsOf(cmd)),
      ),
    );

  program
    .command('restart')
    .description(
      'run tasks again with their recorded command, cwd and environment, same id (restarts + 1, output appended): ' +
        'a live task is stopped first (as stop), an ended one starts again',
    )
    .argument('<id...>', 'task ids, unique id prefixes or names')
    .option(
      '-t, --time <duration>',
      "grace period before SIGKILL when the task is live, 0 to 5m (default: the daemon's killGraceMs, 10s)",
      arg.durationArg(arg.STOP_GRACE),
    )
    .action(
      act(async (ids: string[], _o, cmd: Command) =>
        (await import('./task-restart.js')).restartTasks(ids, optionsOf(cmd)),
      ),
    );

  program
    .command('rm')
    .description(
      'remove ended tasks with every trace of them: output, exit record, inbox entries, read cursors',
    )
    .argument('<id...>', 'task ids, unique id prefixes or names')
    .option('-f, --force', 'kill live tasks first (SIGKILL) instead of refusing them')
    .action(
      act(async (ids: string[], _o, cmd: Command) =>
        (await import('./task-remove.js')).removeTasks(ids, optionsOf(cmd)),
      ),
    );

  program
    .command('prune')
    .description(
      'remove ended tasks (never live ones) with their output and inbox entries, like docker container prune. ' +
        'Asks first on a terminal; without a terminal on stdin it refuses unless -f is given. ' +
        'The daemon also prunes by itself: keepEndedTasks (default 1000) and keepEndedDays (default 7) in config.json',
    )
    .option('-f, --force', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .option(
      '--older-than <duration>',
      'only tasks that ended at least this long ago (1h, 2d; a bare number is seconds)',
      arg.durationArg(arg.PRUNE_AGE),
    )
    .option(
      '--filter <key=value>',
      'state=<succeeded|failed|killed|timed_out|lost> (repeatable: any of them) or until=<duration>',
      arg.collectList,
    )
    .action(act(async (_o, cmd: Command) => (await import('./task-prune.js')).pruneTasks(optionsOf(cmd))));

  program
    .command('inspect')
    .description(
      'print everything tend knows about a task, as JSON (live ones with CPU, memory and ports: stats)',
    )
    .argument('<id>', 'task id, unique id prefix or name')
    .option(
      '--env',
      "also print the values of the variables captured from the caller's environment (capturedEnv; may hold secrets)",
    )
    .action(
      act(async (id: string, _o, cmd: Command) =>
        (await import('./task-get.js')).getTask(id, optionsOf(cmd)),
      ),
    );

  program
    .command('mcp')
    .description(
      'serve tend to an AI agent over MCP (stdio): start_task, list_tasks, read_output, wait_task, stop_task, ' +
        "task_inbox; each task's output as the resource tend://task/<id>/output",
    )
    .option(
      '--cwd <dir>',
      'workspace: default cwd of tasks and part of the default session (default: the current directory)',
    )
    .action(act(async (_o, cmd: Command) => (await import('./mcp.js')).serveMcp(optionsOf(cmd))));

  program
    .command('hook')
    .description(
      "answer an agent host's hook: print the session's unseen task ends in the host's JSON and acknowledge them " +
        '(events session-start, user-prompt-submit, post-tool-use; stop waits for --trigger tasks); see tend setup',
    )
    .argument('<host>', 'claude-code or codex')
    .argument('<event>', 'session-start, user-prompt-submit, post-tool-use or stop')
    .option(
      '--wait <duration>',
      'stop: longest wait for a live trigger task to end (default 10m); keep it below the hook timeout',
      arg.durationArg(arg.WAIT_TIMEOUT),
    )
    .action(
      act(async (host: string, event: string, _o, cmd: Command) =>
        (await import('./hook.js')).runHook(host, event, optionsOf(cmd)),
      ),
    );

  program
    .command('top')
    .description(
      'full-screen live view of every task: state, exit, CPU, memory, ports; open one for its live output; ' +
        'stop, signal, remove, copy the id, page the log (? lists the keys)',
    )
    .option('-a, --all', 'start with ended tasks shown (h toggles)')
    .option(
      '-f, --filter <key=value>',
      'start filtered: session=<id>, project=<dir>, state=<state> or name=<text> (repeatable, one per key)',
      arg.collectList,
    )
    .option('--no-color', 'no colours (also with NO_COLOR set)')
    .action(act(async (_o, cmd: Command) => (await import('./top.js')).runTop(optionsOf(cmd))));

  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish (see the README)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', help.COMPLETION_EXAMPLES)
    .action(
      act(async (shell: string, _o, cmd: Command) =>
        (await import('./completion.js')).printCompletion(shell, cmd),
      ),
    );

  program
    .command('setup')
    .description(
      'print the hooks and MCP server entry that connect an agent host (claude-code, codex) to tend, as a diff ' +
        'of its settings files; --write writes them after printing the diff',
    )
    .argument('<host>', 'claude-code or codex')
    .option('--write', 'write the settings files (after printing the diff)')
    .option(
      '--scope <scope>',
      'project (files under the current directory; default for claude-code) or user (under ~; default for codex)',
    )
    .option(
      '--stop',
      'also install the Stop hook: tasks run with --trigger continue a stopped agent when they end',
    )
    .option('--tend <command>', 'command that runs tend in the hooks and MCP entry (default: tend)')
    .action(
      act(async (host: string, _o, cmd: Command) =>
        (await import('./setup.js')).setupHost(host, optionsOf(cmd)),
      ),
    );

  program
    .command('__complete', { hidden: true })
    .description(
      'words for the completion scripts: `tasks` prints task names and ids (asks a running daemon only)',
    )
    .argument('<what>', 'tasks')
    .action(
      act(async (what: string) => {
        if (what !== 'tasks') return 0;
        return (await import('./completion.js')).completeTasks();
      }),
    );

  const daemon = program.command('daemon').description('start, stop, restart or query the tend daemon');
  daemon
    .command('start')
    .description('start the daemon if it is not running; print its pid')
    .action(act(async (_o, cmd: Command) => (await import('./daemon.js')).startDaemon(optionsOf(cmd))));
  daemon
    .command('stop')
    .description(
      'stop the daemon; tasks keep running and are adopted by the next daemon. Commands waiting or following elsewhere end (exit 125) instead of starting a new one',
    )
    .option('--kill-tasks', 'stop every live task too')
    .action(act(async (_o, cmd: Command) => (await import('./daemon.js')).stopDaemon(optionsOf(cmd))));
  daemon
    .command('restart')
    .description(
      'stop the daemon, then start a new one that applies a changed config.json (checked first); tasks survive, and commands waiting or following elsewhere reconnect and carry on',
    )
    .option('--kill-tasks', 'stop every live task too')
    .action(act(async (_o, cmd: Command) => (await import('./daemon.js')).restartDaemon(optionsOf(cmd))));
  daemon
    .command('status')
    .description('show pid, version, uptime, paths and task counts of the running daemon')
    .action(act(async (_o, cmd: Command) => (await import('./daemon.js')).showDaemonStatus(optionsOf(cmd))));
  daemon
    .command('dial-stdio')
    .description(
      "relay stdin/stdout to the local daemon's socket, byte for byte, starting the daemon if needed " +
        '(what a client with TEND_HOST=ssh://… runs on this machine through ssh; always the local daemon)',
    )
    .option(
      '--after-pid <pid>',
      'sent by a reconnecting client: start no daemon while pid <pid> exists, and exit 3 when it was stopped on purpose',
      arg.countArg,
    )
    .action(act(async (_o, cmd: Command) => (await import('./daemon.js')).dialStdio(cmd.opts())));

  const context = program
    .command('context')
    .description(
      'name remote hosts (as docker context): tend --context NAME ps, or tend context use NAME for every command',
    );
  context
    .command('create')
    .description('create a context that reaches the tend of another machine over ssh')
    .argument('<name>', 'name of the context (letters, digits, ".", "_", "-")')
    .requiredOption('--host <url>', 'ssh://[user@]host[:port]')
    .option('--description <text>', 'shown by tend context ls')
    .action(
      act(async (name: string, _o, cmd: Command) =>
        (await import('./context-command.js')).createContext(name, cmd.opts()),
      ),
    );
  context
    .command('ls')
    .alias('list')
    .description('list the contexts; * marks the current one')
    .action(
      act(async (_o, cmd: Command) => (await import('./context-command.js')).listContexts(optionsOf(cmd))),
    );
  context
    .command('use')
    .description(
      'make a context the current one, used when neither --host, --context, TEND_HOST nor TEND_CONTEXT says; "default" is the local daemon',
    )
    .argument('<name>', 'name of the context, or default')
    .action(act(async (name: string) => (await import('./context-command.js')).useContext(name)));
  context
    .command('rm')
    .alias('remove')
    .description('remove contexts (the current one falls back to default)')
    .argument('<name...>', 'names of the contexts')
    .action(act(async (names: string[]) => (await import('./context-command.js')).removeContexts(names)));
  context
    .command('show')
    .description('print the name of the current context')
    .action(
      act(async (_o, cmd: Command) => (await import('./context-command.js')).showContext(optionsOf(cmd))),
    );

  for (const cmd of leaves(program)) addCommonOptions(cmd);
  program.hook('preAction', (_program, action) => {
    checkGlobalSession(program, action);
    checkGlobalHost(program, action);
    // `logs -C/--context <lines>` shadows the global --context NAME in optionsOf: give it its own key.
    program.setOptionValue('contextName', program.opts().context);
  });
  // Duration and size options need parse-duration and bytes: loaded before such a command parses (units.ts).
  program.hook('preSubcommand', (_program, command) => loadUnitsFor(command));
  return program;
}
