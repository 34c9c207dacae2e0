import { fileURLToPath } from 'node:url';
import type { TendClient } from '@tend/client';
import { warn } from './output.js';
import { TEND_VERSION } from '@tend/protocol/wire';

/** Options every command accepts (globally or after the command name). */
export interface GlobalOptions {
  /** Print JSON instead of text. */
  json?: boolean;
  /** Session recorded on the tasks this invocation starts (default: $TEND_SESSION). */
  session?: string;
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
 * Connects to the daemon of the current user (paths from TEND_HOME / XDG env),
 * starting it when `autoStart` is true (the default). `@tend/client` is loaded
 * here, lazily, so that `--help` and usage errors stay fast.
 * @throws the client's DaemonUnreachableError (reason `daemon_unreachable`) when
 *   no daemon answers within the connect deadline, ProtocolMismatchError…
 */
export async function connect(options: GlobalOptions, { autoStart = true } = {}): Promise<TendClient> {
  const { TendClient } = await import('@tend/client');
  const session = options.session || process.env.TEND_SESSION || undefined;
  return TendClient.connect({
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
 * `tend: reconnected to the tend daemon (pid N)`, per reconnect.
 */
export async function withClient<T>(
  options: GlobalOptions,
  fn: (client: TendClient) => Promise<T>,
  connectOptions: { autoStart?: boolean } = {},
): Promise<T> {
  const client = await connect(options, connectOptions);
  client.onReconnect((daemon) => warn(`reconnected to the tend daemon (pid ${daemon.pid})`));
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
