import { statSync } from 'node:fs';

/**
 * The environment the server resolves tend's paths with (and gives a daemon it
 * starts): this process's, plus `XDG_RUNTIME_DIR=/run/user/<uid>` when that is
 * missing but the directory exists, belongs to this user and is private.
 *
 * Why: some MCP clients start servers with a few variables only (Codex passes
 * HOME, LOGNAME, PATH, SHELL, USER, LANG, LC_ALL, TERM, TMPDIR, TZ — codex-rs
 * rmcp-client DEFAULT_ENV_VARS; the MCP SDK's StdioClientTransport passes a
 * similar list). Without XDG_RUNTIME_DIR the socket would be looked for in
 * /tmp/tend-<uid> while the user's shell uses $XDG_RUNTIME_DIR/tend, and the
 * agent would get a daemon of its own instead of the one `tend ps` shows.
 * /run/user/<uid> is where pam_systemd puts XDG_RUNTIME_DIR for login sessions.
 * TEND_HOME or TEND_SOCKET, when set, decide alone.
 */
export function pathEnv(
  env: Record<string, string | undefined> = process.env,
  uid = process.getuid?.(),
  runUserDir = '/run/user',
): Record<string, string | undefined> {
  if (
    env.TEND_HOME ||
    env.TEND_SOCKET ||
    env.XDG_RUNTIME_DIR ||
    uid === undefined ||
    process.platform !== 'linux'
  )
    return env;
  const candidate = `${runUserDir}/${uid}`;
  try {
    const stat = statSync(candidate);
    if (stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0)
      return { ...env, XDG_RUNTIME_DIR: candidate };
  } catch {
    // no such directory: /tmp/tend-<uid>, as everyone else on this machine without XDG_RUNTIME_DIR
  }
  return env;
}
