import { daemonCommand, targetHost, type GlobalOptions } from './connect.js';
import { ExitCode } from './exit-codes.js';
import { TEND_VERSION } from '@tend/protocol/wire';

/** Options of `tend mcp`. */
export interface McpOptions extends GlobalOptions {
  /** Workspace: default cwd of the tasks started, and part of the default session. */
  cwd?: string;
}

/**
 * `tend mcp`: serves the tend tools to an AI agent over MCP on stdin/stdout
 * (`@tend/mcp`), until the client closes stdin. stdout carries only MCP messages;
 * diagnostics go to stderr. The daemon is started on demand, as by every command.
 * @returns 0 once the client has gone.
 */
export async function serveMcp(options: McpOptions): Promise<number> {
  const host = targetHost(options);
  const { runMcpServer } = await import('@tend/mcp');
  await runMcpServer({
    ...(host !== undefined ? { host } : {}),
    daemonCommand: daemonCommand(),
    ...(options.session ? { session: options.session } : {}),
    ...(options.cwd ? { workspace: options.cwd } : {}),
    clientVersion: TEND_VERSION,
  });
  return ExitCode.Ok;
}
