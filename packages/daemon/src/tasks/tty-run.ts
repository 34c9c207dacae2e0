/**
 * What script runs (with /bin/sh) in the pseudo-terminal: SHELL back to the
 * task's value, output post-processing off (`stty -opost`: no LF → CRLF, which
 * also makes the terminal about 10 times slower on short lines), then the task
 * shell with the command, without the variables that carried them. No single
 * quote in it: {@link TTY_RUN} puts it between single quotes.
 */
const TTY_INNER = [
  'if [ -n "${TEND_TTY_SHELLVAR+set}" ]; then SHELL=$TEND_TTY_SHELLVAR; else unset SHELL; fi',
  'stty -opost 2>/dev/null',
  'exec env -u TEND_TTY_SHELL -u TEND_TTY_CMD -u TEND_TTY_SHELLVAR "$TEND_TTY_SHELL" -c "$TEND_TTY_CMD"',
].join('\n');

/**
 * The part of the task wrapper (`WRAPPER_SCRIPT` in wrapper.ts) that runs a `tty` task:
 * a POSIX sh function `tty_run` that runs `$shell -c "$cmd"` under a
 * pseudo-terminal and sets `status` to its exit status. It expects the
 * wrapper's state: `$shell`, `$cmd`, the log on fd 3, stderr on /dev/null.
 *
 * The pseudo-terminal comes from util-linux `script` (`-q` no banner, `-e` its
 * exit status is the command's, 128 + n for a signal n, `-f` each chunk is
 * written at once, `-E never` no echo, typescript /dev/null): script copies the
 * terminal's output to its stdout, the task's output.log, and needs no daemon.
 * script runs its command in a new session whose controlling terminal
 * is the pty, so the command is NOT in the task's process group. Hence:
 *
 * - script runs in a session of its own (`setsid`), out of the task's process
 *   group: a SIGTERM, SIGINT or SIGQUIT sent to script makes it drop the
 *   command's last output, wait 2 s, SIGKILL it and exit 0 (util-linux 2.38,
 *   `script.c`, "Session terminated, killing shell").
 * - The wrapper forwards TERM, INT, HUP, QUIT, USR1 and USR2 to the command's process group
 *   (the pty's session: its id is the pid of script's child, read from
 *   `/proc/<script>/task/<script>/children`), then waits for script again, so
 *   the command handles the signal, its last words reach the log, and its
 *   status is recorded. The pid is read while script has not reaped its child
 *   (a zombie's pid is not reused); script may reap it between the read and
 *   kill(2): a race of microseconds, as in the daemon's own signal path.
 *   Once script is reaped the wrapper forwards nothing more (and ignores
 *   these signals until it exits). Other signals (STOP, CONT, WINCH…) reach
 *   the wrapper only.
 * - `setpriv --pdeathsig KILL`: when the wrapper dies (SIGKILL escalation),
 *   the kernel kills script; closing the pty's master then hangs up the
 *   terminal, which sends SIGHUP to the command's foreground process group.
 *   A process there that ignores SIGHUP outlives the task, as any process
 *   that leaves the task's process group does (docs/design.md, "Signals reach
 *   only the task").
 * - `env --default-signal=INT,QUIT` (coreutils ≥ 8.31): sh starts background
 *   jobs with SIGINT and SIGQUIT ignored (POSIX, "Asynchronous Lists"), which
 *   the command would inherit.
 * - script runs `$SHELL -c STRING`: it gets SHELL=/bin/sh and {@link TTY_INNER},
 *   and the task shell and command travel in TEND_TTY_SHELL and TEND_TTY_CMD
 *   (removed before the command starts), so the command line is never quoted
 *   into another one.
 * - `wait` returns early (status > 128) when a trapped signal arrives; the loop
 *   waits again while script's pid is still there (running, or a zombie not
 *   yet reaped), so the status kept is script's own.
 */
export const TTY_RUN = `tty_inner='${TTY_INNER}'
tty_run() {
  (
    export TEND_TTY_SHELL="$shell" TEND_TTY_CMD="$cmd"
    if [ -n "\${SHELL+set}" ]; then export TEND_TTY_SHELLVAR="$SHELL"; fi
    SHELL=/bin/sh exec env --default-signal=INT,QUIT setsid setpriv --pdeathsig KILL \\
      script -q -e -f -E never -c "$tty_inner" /dev/null 2>&3 3>&- 4>&-
  ) &
  tty_pid=$!
  for tty_sig in TERM INT HUP QUIT USR1 USR2; do trap "tty_forward $tty_sig" "$tty_sig"; done
  while :; do
    wait "$tty_pid"
    status=$?
    if [ "$status" -le 128 ] || ! kill -0 "$tty_pid"; then break; fi
  done
  tty_pid=
  trap '' TERM INT HUP QUIT USR1 USR2
}
tty_forward() {
  [ -n "$tty_pid" ] || return 0
  tty_kid=
  read -r tty_kid _ < "/proc/$tty_pid/task/$tty_pid/children" || :
  if [ -n "$tty_kid" ] && [ "$tty_kid" -gt 1 ]; then kill -s "$1" -- "-$tty_kid" || :; fi
}`;
