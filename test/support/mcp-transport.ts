import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI_BIN, cliEnv } from '../helpers.js';

/**
 * A stdio transport for the MCP SDK's Client that runs the built CLI's `tend mcp` in `cwd`, as an agent
 * host starts it: TEND_HOME=`home` and the rest of {@link cliEnv} (with `extraEnv` over it).
 * @param options.stderr `pipe` to read the server's stderr from `transport.stderr`; default `inherit`.
 */
export function tendMcpTransport(
  home: string,
  cwd: string,
  options: { extraEnv?: Record<string, string>; stderr?: 'pipe' | 'inherit' } = {},
): StdioClientTransport {
  const env = Object.fromEntries(
    Object.entries(cliEnv(home, options.extraEnv)).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return new StdioClientTransport({
    command: process.execPath,
    args: [CLI_BIN, 'mcp'],
    cwd,
    env,
    stderr: options.stderr ?? 'inherit',
  });
}
