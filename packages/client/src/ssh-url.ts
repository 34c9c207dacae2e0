import { RemoteHostError } from './errors.js';

/** A remote host parsed from `ssh://[user@]host[:port]`. */
export interface SshHost {
  /** The string as given, for messages. */
  url: string;
  /** Login name, when given (else ssh's own default: ~/.ssh/config's User, or the local user name). */
  user?: string;
  /** Host name, address or ~/.ssh/config Host alias; IPv6 addresses without their brackets. */
  hostname: string;
  /** TCP port, when given (else ssh's own default: ~/.ssh/config's Port, or 22). */
  port?: number;
}

/**
 * Parses `ssh://[user@]host[:port]` (the form of DOCKER_HOST's ssh URLs; no path, query or password).
 * @throws RemoteHostError (exit code null) naming the value and the right form.
 */
export function parseSshHost(url: string): SshHost {
  const bad = (why: string) =>
    new RemoteHostError(`bad host ${JSON.stringify(url)}: ${why}; the form is ssh://[user@]host[:port]`, {
      host: url,
      exitCode: null,
      stderr: '',
    });
  if (!url.startsWith('ssh://')) throw bad('only ssh:// hosts are supported');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('not a URL');
  }
  if (parsed.password) throw bad('a password cannot be given in the URL (ssh uses your keys and agent)');
  if ((parsed.pathname && parsed.pathname !== '/') || parsed.search || parsed.hash)
    throw bad('no path, query or fragment is allowed');
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!hostname) throw bad('the host name is missing');
  return {
    url,
    ...(parsed.username ? { user: decodeURIComponent(parsed.username) } : {}),
    hostname,
    ...(parsed.port ? { port: Number(parsed.port) } : {}),
  };
}
