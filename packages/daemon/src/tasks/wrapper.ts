import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TTY_RUN } from './tty-run.js';

/**
 * The POSIX sh wrapper every task runs in (docs/design.md, "Process model").
 * Usage: `/bin/sh -c WRAPPER_SCRIPT tend-task EXIT_RECORD SHELL COMMAND [UMASK [TTY [CGROUP]]]` (see
 * {@link wrapperArgv}): the script travels in argv, never as a file that
 * someone could replace between two spawns.
 *
 * - With CGROUP (a directory), its very first act is to move itself into that
 *   cgroup (`echo $$ > CGROUP/cgroup.procs`), so that the command and every
 *   process it starts are born there and cannot leave it (docs/design.md,
 *   "Containment"). When that write fails it prints why to the task's output
 *   and ends with status 125 without running the command: a task is never
 *   silently uncontained.
 * - With UMASK (octal digits), it sets that umask first, so the command and
 *   everything it starts create files as they would from the caller's shell.
 * - It runs COMMAND with `SHELL -c` in the foreground, so the command gets the
 *   signals sent to the process group with their default dispositions. Its
 *   own stderr is /dev/null and an inner `exec` hands the log back to the
 *   command alone: dash prints job messages ("Terminated") to the stderr in
 *   force while it waits, which must not be the task's log.
 * - It catches TERM, INT and HUP (never ignores them while the command runs:
 *   ignored signals are inherited by children) so that it survives a stop and
 *   still records the command's status; POSIX defers the trap until the
 *   foreground command ends. Once the command has ended it ignores them, so
 *   that a late stop signal cannot kill the subshell, `sync` or `mv` that
 *   write the record (a trap is reset to the default in those children: a
 *   re-sent SIGTERM used to turn a SIGTERM end into exit code 143).
 * - It creates the liveness FIFO `EXIT_RECORD.alive` (`mkfifo`, mode 0600)
 *   and holds it open read-write on fd 4, which the command never gets
 *   (`4>&-`): the wrapper's end, by any cause (SIGKILL, OOM killer), closes
 *   the last writer, and a daemon that adopted the task reads the end of file
 *   at once (watchdog.ts; docs/design.md, "Recovery at start-up"). Without
 *   `mkfifo` the task runs the same, and is watched by polling.
 * - It writes `{"status":N,"signal":"NAME"}` to EXIT_RECORD through a temp
 *   file, fsync (`sync FILE`, coreutils ≥ 8.24) and rename, so no reader ever
 *   sees a torn record, then exits with the command's status.
 * - With a 5th argument `tty`, COMMAND runs under a pseudo-terminal: see
 *   {@link TTY_RUN}.
 * - A status of 129..159 is 128 + a signal number (the shell's convention):
 *   recorded as that signal. A command that exits with such a code on its own
 *   is indistinguishable, as in every POSIX shell.
 */
export const WRAPPER_SCRIPT = `# tend task wrapper (given to /bin/sh -c by the tend daemon)
# First act: into the task's cgroup, before anything else runs (its children are born there).
if [ -n "\${6-}" ] && ! { echo $$ > "$6/cgroup.procs"; } 2>/dev/null; then
  printf 'tend: the task could not enter its cgroup %s, so its command was not run\\n' "$6" >&2
  cgroup_failed=1
fi
rec=$1
shell=$2
cmd=$3
# The liveness FIFO: the wrapper alone holds it open (fd 4, never given to the command), so a
# daemon that adopts the task sees its end, however it came, as the end of file on the FIFO.
if mkfifo -m 600 "$rec.alive" 2>/dev/null; then exec 4<>"$rec.alive"; fi
trap ':' TERM INT HUP
${TTY_RUN}
if [ -n "\${4-}" ]; then umask "$4"; fi
# The wrapper's own messages ("Terminated") stay out of the task's log: its
# stderr is /dev/null, and only the command gets the log back (fd 3).
exec 3>&2 2>/dev/null
if [ -n "\${cgroup_failed-}" ]; then
  status=125
elif [ "\${5-}" = tty ]; then
  tty_run
else
  /bin/sh -c 'exec "$0" -c "$1" 2>&3 3>&-' "$shell" "$cmd" 4>&-
  status=$?
fi
# The command has ended: a stop signal sent now (the daemon re-sends one to a
# young task) must not kill the children below (kill -l, sync, mv) and lose the record.
trap '' TERM INT HUP
sig=
if [ "$status" -gt 128 ] && [ "$status" -lt 160 ]; then
  sig=$(kill -l "$status" 2>/dev/null) || sig=
fi
# The daemon reserved $rec.tmp's block: overwrite it in place (1<>, no truncation),
# so the record is written even on a full disk.
printf '{"status":%d,"signal":"%s"}\\n' "$status" "$sig" 1<> "$rec.tmp"
sync "$rec.tmp" 2>/dev/null
mv -f "$rec.tmp" "$rec"
exit "$status"
`;

/** `$0` of every wrapper, as `ps` shows it after the script text. */
export const WRAPPER_NAME = 'tend-task';

/**
 * argv (after `/bin/sh`) that runs the wrapper for one task: `-c SCRIPT
 * tend-task EXIT_RECORD SHELL COMMAND [UMASK [tty [CGROUP]]]`, UMASK as octal digits
 * (`umask` a number such as 0o022; empty or omitted: the daemon's umask
 * stays), `tty`: the command runs under a pseudo-terminal, CGROUP: the task's
 * cgroup directory, which the wrapper enters first. The exit record's
 * path is a whole argument, so start-up recovery finds an unrecorded wrapper
 * by it in /proc/<pid>/cmdline.
 */
export function wrapperArgv(
  exitPath: string,
  shell: string,
  command: string,
  options: { umask?: number; tty?: boolean; cgroup?: string } = {},
): string[] {
  const argv = ['-c', WRAPPER_SCRIPT, WRAPPER_NAME, exitPath, shell, command];
  if (options.umask !== undefined || options.tty || options.cgroup)
    argv.push(options.umask === undefined ? '' : options.umask.toString(8).padStart(4, '0'));
  if (options.tty || options.cgroup) argv.push(options.tty ? 'tty' : '');
  if (options.cgroup) argv.push(options.cgroup);
  return argv;
}

/**
 * Removes `<stateDir>/task-wrapper.sh`, which daemons before this one wrote
 * and ran by path at every spawn (a file another user could have swapped).
 * Wrappers still running from it hold it open and are not disturbed.
 */
export function removeLegacyWrapper(stateDir: string): void {
  rmSync(join(stateDir, 'task-wrapper.sh'), { force: true });
}
