import { fileURLToPath } from 'node:url';
import { TendClient } from '@tend/client';
import { resolveTarget } from './contexts.js';
import { warn } from './output.js';
import { TEND_VERSION } from '@tend/protocol/wire';

/** Options every command accepts (globally or after the command name). */
export interface GlobalOptions {
  /** Print JSON instead of text. */
  json?: boolean;
  /** Session recorded on the tasks this invocation starts (default: $TEND_SESSION). */
  session?: string;
  /** `--host ssh://[user@]host[:port]`: the daemon of that machine, over ssh (see contexts.ts resolveTarget). */
  host?: string;
  /**
   * The global `--context NAME` (the host of that context, `tend context create`), copied here before each action
   * because `logs -C/--context <lines>` has the same option name.
   */
  contextName?: string;
}

/**
 * Node flags the daemon runs with (also in the shebang of the daemon's entry, which the systemd unit runs).
 * `--max-semi-space-size=1` (MiB) caps V8's young generation, which otherwise grows to 16 MiB
 * per semi-space after a burst of requests and is never given back: measured on a 2-core machine,
 * bundled daemon RSS idle / 100 / 1,000 live tasks 66.5 / 74.1 / 104.3 MiB → 61.4 / 65.0 / 74.0 MiB
 * (issue 13); task/run p50 unchanged within noise.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * Set by the release bundle (scripts/bundle.mjs, an esbuild `define`) to the daemon's entry file
 * relative to the bundled CLI's files (they share one directory); absent in the workspace.
 */
declare const __TEND_DAEMON_ENTRY__: string | undefined;

/**
 * argv that runs the daemon in the foreground: this Node binary, {@link DAEMON_NODE_FLAGS} and the
 * daemon's entry file, `@tend/daemon/bin` in the workspace, the bundled daemon beside this file in
 * the release package. Resolved only when a connect may start a daemon.
 */
export function daemonCommand(): string[] {
  const entry =
    typeof __TEND_DAEMON_ENTRY__ === 'string'
      ? new URL(__TEND_DAEMON_ENTRY__, import.meta.url).href
      : import.meta.resolve('@tend/daemon/bin');
  return [process.execPath, ...DAEMON_NODE_FLAGS, fileURLToPath(entry)];
}

/**
 * The remote host this command talks to (`--host`, `--context`, TEND_HOST, TEND_CONTEXT, the current
 * context), or undefined for the local daemon. See {@link resolveTarget}.
 * @throws CliError for both --host and --context, or an unknown context.
 */
export function targetHost(options: GlobalOptions): string | undefined {
  return resolveTarget({ host: options.host, context: options.contextName }).host;
}

/**
 * Connects to the daemon of the current user (paths from TEND_HOME / XDG env),
 * starting it when `autoStart` is true (the default), or to the daemon of the remote host
 * named by `--host`/`--context`/TEND_HOST/TEND_CONTEXT over ssh (whose `tend daemon dial-stdio`
 * starts it there). `@tend/client` is imported by this module, which only the command modules import (each loaded
 * when its command runs), so that `--help` and usage errors stay fast; statically rather than by import(): a
 * dynamic import made the release bundle's cli-ps build split the client (then with vscode-jsonrpc) off into a chunk
 * of their own plus one re-exporting it, two more files for every cold `tend ps` (issue 13).
 * @throws the client's DaemonUnreachableError (reason `daemon_unreachable`) when
 *   no daemon answers within the connect deadline, RemoteHostError (reason `remote_host`: ssh failed,
 *   with ssh's message), ProtocolMismatchError…; CliError for a bad --host/--context.
 */
export async function connect(options: GlobalOptions, { autoStart = true } = {}): Promise<TendClient> {
  return connectTo(targetHost(options), options, autoStart);
}

/** {@link connect} to `host` (undefined: the local daemon), already resolved by {@link targetHost}. */
async function connectTo(
  host: string | undefined,
  options: GlobalOptions,
  autoStart: boolean,
): Promise<TendClient> {
  const session = options.session || process.env.TEND_SESSION || undefined;
  return TendClient.connect({
    ...(host !== undefined ? { host } : {}),
    autoStart,
    // Also without autoStart: the client needs it to replace a daemon of an older protocol.
    daemonCommand: daemonCommand(),
    clientName: 'tend-cli',
    clientVersion: TEND_VERSION,
    ...(session ? { session } : {}),
  });
}

/**
 * Runs `fn` with a connected client and closes the connection afterwards,
 * whether `fn` succeeded or threw. When the daemon restarts or crashes meanwhile,
 * the client reconnects (waits and follows resume) and stderr gets one line,
 * `tend: reconnected to the tend daemon (pid N)` (`… on ssh://host (pid N)` for a remote host, also after
 * a lost ssh connection), per reconnect.
 */
export async function withClient<T>(
  options: GlobalOptions,
  fn: (client: TendClient) => Promise<T>,
  connectOptions: { autoStart?: boolean } = {},
): Promise<T> {
  const host = targetHost(options);
  const client = await connectTo(host, options, connectOptions.autoStart ?? true);
  const where = host === undefined ? '' : ` on ${host}`;
  client.onReconnect((daemon) => warn(`reconnected to the tend daemon${where} (pid ${daemon.pid})`));
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** True when `err` is the client's "no daemon answered" error. */
export function isDaemonUnreachable(err: unknown): boolean {
  return (err as { reason?: unknown } | null)?.reason === 'daemon_unreachable';
}
