import { resolve } from 'node:path';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { TEND_VERSION } from '@tend/protocol/wire';
import { ClientProvider } from './client-provider.js';
import { pathEnv } from './daemon-env.js';
import { createTendMcpServer } from './server.js';
import { TaskEndNotifier } from './task-end-notifier.js';
import { defaultSession, readerFor } from './session.js';
import type { ToolContext } from './tools/index.js';

/** Options of {@link runMcpServer}. */
export interface RunMcpServerOptions {
  /** argv that runs the daemon in the foreground; needed to auto-start it (the CLI passes `@tend/daemon/bin`). */
  daemonCommand?: string[];
  /** Session of this server; default `$TEND_SESSION`, else `mcp:<workspace>` ({@link defaultSession}). */
  session?: string;
  /** Default cwd of new tasks and base of relative ones; default this process's cwd. */
  workspace?: string;
  /** Environment for path resolution and a spawned daemon; default process.env (plus XDG_RUNTIME_DIR, see {@link pathEnv}). */
  env?: Record<string, string | undefined>;
  /** Sent to the daemon in daemon/initialize; default the tend version. */
  clientVersion?: string;
  /**
   * The daemon of another machine, `ssh://[user@]host[:port]` (ConnectOptions.host): reached through ssh, tasks get
   * that daemon's environment (not this process's), and `workspace` is a path on that machine.
   */
  host?: string;
  /** Where diagnostics go (never stdout: that is the MCP channel). Default process.stderr. */
  log?: (line: string) => void;
}

/**
 * Serves the tend tools over MCP on this process's stdin/stdout until the client
 * closes stdin, then closes the daemon connection (tasks keep running) and resolves.
 * The daemon is connected to at start when one already runs (so that the session's lifetime-session tasks
 * see their client back), else on the first tool call (auto-starting it), and again at once after a
 * lost connection. Both MCP eras are served (2025 `initialize` and 2026-07-28), as
 * the SDK's serveStdio decides from the client's first message. Ends of the session's tasks are told to
 * the client as it asked (TaskEndNotifier: resource updates of subscribed task outputs, log messages).
 */
export async function runMcpServer(options: RunMcpServerOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`tend mcp: ${line}\n`));
  const workspace = resolve(options.workspace ?? process.cwd());
  const env = pathEnv(options.env ?? process.env);
  const session = options.session?.trim() || defaultSession(workspace, env);
  let notifier: TaskEndNotifier | undefined;
  const provider = new ClientProvider(
    {
      autoStart: true,
      ...(options.daemonCommand ? { daemonCommand: options.daemonCommand } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      env,
      clientName: 'tend-mcp',
      clientVersion: options.clientVersion ?? TEND_VERSION,
      session,
    },
    (client) => notifier?.watch(client),
  );
  notifier = new TaskEndNotifier(session, () => provider.get());
  // Present for the session at once when a daemon runs (tasks with lifetime "session"); never starts one.
  provider.warmUp();
  const ctx: ToolContext = {
    tend: () => provider.get(),
    session,
    reader: readerFor(session),
    workspace,
    ...(options.host !== undefined ? { remoteHost: options.host } : {}),
  };
  log(
    `serving session ${JSON.stringify(session)}, workspace ${workspace}${options.host !== undefined ? ` on ${options.host}` : ''}`,
  );

  const wire = new StdioServerTransport();
  const ended = new Promise<void>((done) => {
    const handle = serveStdio(({ era }) => createTendMcpServer(ctx, { notifier, era }), {
      transport: wire,
      onerror: (error) => log(`error: ${error.message}`),
    });
    // serveStdio has installed its own onclose; run it, then end the server.
    const inner = wire.onclose;
    wire.onclose = () => {
      inner?.();
      void handle.close().finally(done);
    };
  });
  await ended;
  await provider.close();
}
