import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../runtime/atomic-write.js';

/**
 * The POSIX sh wrapper every task runs in (DESIGN.md, "Process model", step 3).
 * Usage: `sh task-wrapper.sh EXIT_RECORD SHELL COMMAND`.
 *
 * - It runs COMMAND with `SHELL -c` in the foreground, so the command gets the
 *   signals sent to the process group with their default dispositions. Its
 *   own stderr is /dev/null and an inner `exec` hands the log back to the
 *   command alone: dash prints job messages ("Terminated") to the stderr in
 *   force while it waits, which must not be the task's log.
 * - It catches TERM, INT and HUP (never ignores them: ignored signals are
 *   inherited by children) so that it survives a stop and still records the
 *   command's status; POSIX defers the trap until the foreground command ends.
 * - It writes `{"status":N,"signal":"NAME"}` to EXIT_RECORD through a temp
 *   file, fsync (`sync FILE`, coreutils ≥ 8.24) and rename, so no reader ever
 *   sees a torn record, then exits with the command's status.
 * - A status of 129..159 is 128 + a signal number (the shell's convention):
 *   recorded as that signal. A command that exits with such a code on its own
 *   is indistinguishable, as in every POSIX shell.
 */
export const WRAPPER_SCRIPT = `# tend task wrapper, written by the tend daemon: do not edit.
rec=$1
shell=$2
cmd=$3
trap ':' TERM INT HUP
# The wrapper's own messages ("Terminated") stay out of the task's log: its
# stderr is /dev/null, and only the command gets the log back (fd 3).
exec 3>&2 2>/dev/null
/bin/sh -c 'exec "$0" -c "$1" 2>&3 3>&-' "$shell" "$cmd"
status=$?
sig=
if [ "$status" -gt 128 ] && [ "$status" -lt 160 ]; then
  sig=$(kill -l "$status" 2>/dev/null) || sig=
fi
printf '{"status":%d,"signal":"%s"}\\n' "$status" "$sig" > "$rec.tmp"
sync "$rec.tmp" 2>/dev/null
mv -f "$rec.tmp" "$rec"
exit "$status"
`;

/**
 * Writes the wrapper to `<stateDir>/task-wrapper.sh` unless it is already there
 * with the same text. Written atomically (new inode), so a shell still reading
 * an older wrapper is not disturbed.
 * @returns the wrapper's path.
 */
export function installWrapper(stateDir: string): string {
  const path = join(stateDir, 'task-wrapper.sh');
  if (!existsSync(path) || readFileSync(path, 'utf8') !== WRAPPER_SCRIPT) writeFileAtomic(path, WRAPPER_SCRIPT, 0o700);
  return path;
}
