import { rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The POSIX sh wrapper every task runs in (DESIGN.md, "Process model", step 3).
 * Usage: `/bin/sh -c WRAPPER_SCRIPT tend-task EXIT_RECORD SHELL COMMAND [UMASK]` (see
 * {@link wrapperArgv}): the script travels in argv, never as a file that
 * someone could replace between two spawns.
 *
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
 * - It writes `{"status":N,"signal":"NAME"}` to EXIT_RECORD through a temp
 *   file, fsync (`sync FILE`, coreutils ≥ 8.24) and rename, so no reader ever
 *   sees a torn record, then exits with the command's status.
 * - A status of 129..159 is 128 + a signal number (the shell's convention):
 *   recorded as that signal. A command that exits with such a code on its own
 *   is indistinguishable, as in every POSIX shell.
 */
export const WRAPPER_SCRIPT = `# tend task wrapper (given to /bin/sh -c by the tend daemon)
rec=$1
shell=$2
cmd=$3
trap ':' TERM INT HUP
if [ -n "\${4-}" ]; then umask "$4"; fi
# The wrapper's own messages ("Terminated") stay out of the task's log: its
# stderr is /dev/null, and only the command gets the log back (fd 3).
exec 3>&2 2>/dev/null
/bin/sh -c 'exec "$0" -c "$1" 2>&3 3>&-' "$shell" "$cmd"
status=$?
# The command is over: from here on a late stop signal (tend re-sends one to young tasks) must not
# kill the steps that record its status. Ignored dispositions are inherited, so the command
# substitution, sync and mv below are immune too (a trap would be reset in them).
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
 * tend-task EXIT_RECORD SHELL COMMAND [UMASK]`, UMASK as octal digits
 * (`umask` a number such as 0o022; omitted: the daemon's umask stays). The
 * exit record's path is a whole argument, so start-up recovery finds an
 * unrecorded wrapper by it in /proc/<pid>/cmdline.
 */
export function wrapperArgv(exitPath: string, shell: string, command: string, umask?: number): string[] {
  const argv = ['-c', WRAPPER_SCRIPT, WRAPPER_NAME, exitPath, shell, command];
  if (umask !== undefined) argv.push(umask.toString(8).padStart(4, '0'));
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
