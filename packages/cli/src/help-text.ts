/** Shown after `tend --help`: exit codes, environment, examples. */
export const HELP_AFTER = `
Exit codes:
  0     success
  N     wait, run --wait: the task's own exit code (128+N when signal N ended it)
  124   wait: --timeout passed before the task ended
  125   tend itself failed: daemon unreachable, bad arguments, unknown task id,
        task lost (its exit status is unknown)

Environment:
  TEND_HOME     keep the socket, database, logs and config under this directory
  TEND_SESSION  session recorded on the tasks you start (as --session)
  TEND_SOCKET   socket path of the daemon

Examples:
  id=$(tend run -- 'npm test')   start a task, keep its id
  tend logs -f "$id"             follow its output until it ends
  tend wait "$id"; echo $?       wait, then get its exit code
`;

/** Shown after `tend run --help`. */
export const RUN_EXAMPLES = `
Examples:
  tend run -- 'make && make test'       a shell command line
  tend run --name web -- npm run dev    a named task: tend logs web
  tend run -e PORT=8080 -- node srv.js  with an environment variable
  tend run --wait -- cargo build        wait; exit with its exit code
`;
