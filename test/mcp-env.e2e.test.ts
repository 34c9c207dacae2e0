// A task started by an agent through `tend mcp` gets the MCP server's environment (what the agent's
// host gave it) laid over the daemon's: a variable only the server has reaches the task, and one the
// host dropped is still there from the daemon.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, cliEnv, makeTendHome, tendJson } from './helpers.js';

let home: string;
let client: Client | undefined;

beforeEach(() => {
  home = makeTendHome();
});

afterEach(async () => {
  await client?.close().catch(() => undefined);
  client = undefined;
  await cleanUpTendHome(home);
});

describe('tend mcp and the environment of the tasks it starts', () => {
  it("gives a task the MCP server's variables over the daemon's", async () => {
    // The daemon, started by someone else, has DAEMON_ONLY; the MCP server has MCP_ONLY and not DAEMON_ONLY.
    execFileSync(process.execPath, [CLI_BIN, 'daemon', 'start'], {
      env: { PATH: '/usr/bin:/bin', TEND_HOME: home, DAEMON_ONLY: 'from-daemon' },
      stdio: 'ignore',
    });
    const workspace = join(home, 'project');
    mkdirSync(workspace);
    const env = Object.fromEntries(
      Object.entries(cliEnv(home)).filter((e): e is [string, string] => e[1] !== undefined),
    );
    delete env.DAEMON_ONLY;
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_BIN, 'mcp'],
      cwd: workspace,
      env: { ...env, MCP_ONLY: 'from-agent-host' },
      stderr: 'pipe',
    });
    client = new Client({ name: 'tend-env-e2e', version: '1.0.0' });
    await client.connect(transport);

    const result = await client.callTool({
      name: 'start_task',
      arguments: {
        command: 'echo "MCP_ONLY=$MCP_ONLY DAEMON_ONLY=$DAEMON_ONLY"',
        name: 'envprobe',
        wait_until: { exit: true },
      },
    });
    const text = (result.content as { text: string }[]).map((c) => c.text).join('\n');
    expect(result.isError, text).toBeFalsy();

    const task = await tendJson<{ logPath: string; state: string; inheritEnv: boolean }>(home, [
      'inspect',
      'envprobe',
    ]);
    expect(task.state).toBe('succeeded');
    expect(task.inheritEnv).toBe(true);
    expect(readFileSync(task.logPath, 'utf8')).toBe('MCP_ONLY=from-agent-host DAEMON_ONLY=from-daemon\n');
  });
});
