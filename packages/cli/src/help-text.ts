/** Shown after `tend --help`: exit codes, environment, examples. */
export const HELP_AFTER = `
Exit codes:
  0     success (wait: every task succeeded)
  1     logs --grep: no line matched (as grep)
  N     run --wait/-a: the task's own exit code (128+N when signal N ended it;
        detached by Ctrl-C: the CLI ends by SIGINT, 130 in a shell);
        wait: that of the first task, in the order given, that did not succeed;
        wait --until-…: the condition held (0), or the task ended first (its code)
  124   wait: --timeout passed before the task ended (or before the --until-…
        condition held)
  125   tend itself failed: daemon unreachable, bad arguments, unknown task id,
        task lost (its exit status is unknown), ssh to a remote host failed

Environment:
  TEND_HOME     keep the socket, database, logs and config under this directory
                (set it when tend may not write to the default XDG directories)
  TEND_SESSION  session recorded on the tasks you start, and whose inbox
                \`tend inbox\` shows (as --session)
  TEND_SOCKET   socket path of the daemon
  TEND_HOST     ssh://[user@]host[:port]: use the tend daemon of that machine,
                through your ssh (as --host; see tend context)
  TEND_CONTEXT  name of a context (tend context create) to use (as --context)
  TEND_SSH_COMMAND     command run instead of ssh (e.g. "ssh -F ~/my_config")
  TEND_REMOTE_COMMAND  tend on the remote host (default: tend from its PATH)
  TEND_SYSTEMD_SCOPE=0  start the daemon without a systemd scope (by default
                a daemon tend starts goes into \`systemd-run --user --scope -p
                Delegate=yes\` when a systemd user manager is there)

Examples:
  id=$(tend run -- 'npm test')   start a task, keep its id
  tend logs -f "$id"             follow its output until it ends
  tend wait "$id"; echo $?       wait, then get its exit code
  tend logs --new "$id"          only what you have not read yet
  tend inbox --ack               tasks that ended since you last looked

Config: config.json in $XDG_CONFIG_HOME/tend/ (or $TEND_HOME/config/), keys
outputCapBytes and killGraceMs (default 10000: the SIGKILL grace of stop,
timeouts and shutdown). tend checks it before it starts a daemon; a running
daemon applies a changed file after \`tend daemon restart\` (tasks survive).
`;

/** Help of the --host option every command takes. */
export const HOST_HELP =
  'ssh://[user@]host[:port]: the tend daemon of that machine, through ssh (default: $TEND_HOST, the current context, else this machine)';

/** Help of the global --context option. */
export const CONTEXT_HELP =
  'use the host of this context (tend context ls; default: $TEND_CONTEXT, else the current one)';

/** Help of the --session option every command takes. */
export const SESSION_HELP =
  'session: recorded on the tasks started, whose inbox `tend inbox` shows (default: $TEND_SESSION)';

/** Shown after `tend logs --help`. */
export const LOGS_EXAMPLES = `
Examples:
  tend logs web -n 50                   the last 50 lines
  tend logs -f web                      follow until the task ends
  tend logs --new web                   only what you have not read yet (again: only newer)
  tend logs --new --reader ci -f web    follow from the "ci" reader's cursor, moving it
  tend logs web --grep 'error|warn' -C 2 -i --clean
  tend logs web --max-bytes 4096        the first and last lines of a long log
`;

/** Shown after `tend wait --help`. */
export const WAIT_EXAMPLES = `
Examples:
  tend wait "$id"                              until it ends; exit with its code
  tend wait web --until-output 'listening on'  until a line matches; print it
  tend wait web --until-port 3000 --timeout 30s
  tend wait web --until-http http://127.0.0.1:3000/health --timeout 1m
`;

/** Shown after `tend run --help`. */
export const RUN_EXAMPLES = `
Examples:
  tend run -- 'make && make test'       a shell command line
  tend run --name web -- npm run dev    a named task: tend logs web
  tend run -e PORT=8080 -- node srv.js  with an environment variable
  tend run --env-file .env -- npm start  with KEY=VALUE lines from a file (-e wins)
  tend run --wait -- cargo build        print its output as it comes; exit with its code
  tend run -a --sig-proxy -- npm test   the same; Ctrl-C goes to the task (else it detaches)
  tend run --name web --reuse -- npm run dev
                                        the live "web" task if it runs the same command
  tend run --ttl 2h -- npm run dev      stopped 2 hours after its start (ends killed)
  tend run --lifetime session --session agent-1 -- npm run watch
                                        stopped a minute after agent-1's last client left
  tend run --memory-max 2G --pids-max 512 -- make -j
                                        capped in its cgroup (needs cgroup containment)
`;

/** `run --memory-max`: memory.max of the task's cgroup (task/run memoryMaxBytes). */
export const MEMORY_MAX_HELP =
  "cap the task's memory (memory.max of its cgroup, no swap beyond it; the OOM killer ends it past that): " +
  '512M, 2G, 1.5GiB (K, M, G = KiB, MiB, GiB) or bytes; needs cgroup containment with the memory controller';

/** `run --pids-max`: pids.max of the task's cgroup (task/run pidsMax). */
export const PIDS_MAX_HELP =
  "cap the task's processes and threads at once (pids.max of its cgroup; fork fails past it), e.g. 512; " +
  'needs cgroup containment with the pids controller';

/** Description of `tend run` in its help. */
export const RUN_DESCRIPTION =
  'Start <command> in the background through the shell and print the task id alone on stdout. ' +
  'With --wait or -a, stay attached instead (as docker run without -d): print its output as it is written ' +
  'and exit with its exit code; Ctrl-C detaches and the task keeps running, unless --sig-proxy sends it to the task. ' +
  'One word after "--" is a shell command line, used as-is; several words are quoted one by one ' +
  'and joined, as exec would run them. Options after the first word of the command belong to the command.';

/** Shown after `tend ps --help`: the --filter keys (task-filter.ts's FILTER_KEYS) and --format fields (task-format.ts's FORMAT_FIELDS). */
export const PS_FILTERS = `
Filter keys (--filter KEY=VALUE; docker's status and exited also work):
  id        a task id or id prefix
  name      part of a task name
  state     starting, running, stopping, restarting, succeeded, failed, killed, timed_out, lost
            (ended states need no -a)
  session   a session id
  project   a project root directory (tasks started from its tend.toml)
  exit      an exit code (0-255) or the signal that ended the task (SIGKILL)

Format fields (--format '{{.Field}}'; \\t and \\n are a tab and a newline):
  .ID .Name .State .Exit .ExitCode .Signal .Session .Project .Restarts .Command .Cwd .Pid
  .CreatedAt .StartedAt .EndedAt .DurationMs .LogPath
  --format json prints each task as one line of JSON (the fields of --json)

Examples:
  tend rm $(tend ps -aq --filter state=failed)
  tend ps --filter state=running --filter state=stopping --format '{{.ID}}\\t{{.Name}}'
  tend ps -a --filter exit=0 --no-trunc
`;

/** Shown after `tend completion --help`. */
export const COMPLETION_EXAMPLES = `
Load it in the current shell, or add the line to your shell's start-up file:
  bash   source <(tend completion bash)         (~/.bashrc)
  zsh    source <(tend completion zsh)          (~/.zshrc, after compinit)
  fish   tend completion fish | source          (~/.config/fish/config.fish)
Task ids and names are completed from a running daemon (asked for at most 1 s;
never started just to complete).
`;
