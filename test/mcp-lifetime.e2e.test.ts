import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import type { Task } from '@tend/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, makeTendHome, tend, tendJson } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { tendMcpTransport } from './support/mcp-transport.js';

// start_task's default lifetime (session) through a real MCP client and `tend mcp`: a task started by an
// agent is kept while another MCP server of the same workspace (its session) is connected — which that
// server is at start, before any tool call — and stopped once the last one has gone for the grace.

let home: string;
let workspace: string;
let clients: Client[];

beforeAll(() => {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`);
});

beforeEach(() => {
  home = makeTendHome();
  workspace = join(home, 'project');
  mkdirSync(workspace);
  mkdirSync(join(home, 'config'), { mode: 0o700 });
  writeFileSync(join(home, 'config', 'config.json'), JSON.stringify({ sessionGraceMs: 500 }));
  clients = [];
});

afterEach(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await cleanUpTendHome(home);
});

/** Starts `tend mcp` in the workspace (session mcp:<workspace>) and connects an MCP client to it. */
async function connectAgent(): Promise<Client> {
  const transport = tendMcpTransport(home, workspace);
  const client = new Client({ name: 'tend-e2e', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** Calls start_task and returns the id its answer names. */
async function startTask(client: Client, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool({ name: 'start_task', arguments: args });
  const text = (result.content as { text: string }[]).map((c) => c.text).join('\n');
  if (result.isError) throw new Error(`start_task answered an error: ${text}`);
  return /Use id "([a-z0-9]+)"/.exec(text)?.[1] as string;
}

/** Waits until the daemon counts `n` clients besides the `tend daemon status` asking. */
async function clientsBecome(n: number): Promise<void> {
  await pollUntil(`${n} client(s) of the daemon`, async () => {
    const status = await tend(home, ['--json', 'daemon', 'status']);
    return status.code === 0 && (JSON.parse(status.stdout) as { clients: number }).clients === n + 1;
  });
}

describe('start_task lifetime', () => {
  it('keeps a default (session) task while an MCP server of the workspace is connected, stops it after the last', async () => {
    const first = await connectAgent();
    const loop = `while [ -d '${home}' ]; do sleep 0.05; done`;
    const watcherId = await startTask(first, { command: loop });
    const serviceId = await startTask(first, { command: loop, lifetime: 'persistent' });
    const listed = await tendJson<Task[]>(home, ['ps']);
    expect(listed.find((t) => t.id === watcherId)).toMatchObject({
      lifetime: 'session',
      session: `mcp:${workspace}`,
    });
    expect(listed.find((t) => t.id === serviceId)?.lifetime).toBeUndefined();

    // A second agent in the same workspace: its server joins the session at start, without a tool call.
    const second = await connectAgent();
    await clientsBecome(2);
    await first.close();
    await clientsBecome(1);
    await second.close();

    const ended = await pollUntil('the session task to end', async () => {
      const tasks = await tendJson<Task[]>(home, ['ps', '-a']);
      const task = tasks.find((t) => t.id === watcherId);
      return task?.state === 'killed' ? task : undefined;
    });
    expect(ended.reason).toBe(`stopped: no client of session mcp:${workspace} connected for 500ms`);
    // The grace started once, when the second server left: the first one's leaving stopped nothing.
    const log = readFileSync(join(home, 'state', 'daemon.log'), 'utf8');
    expect(log.split('\n').filter((l) => l.includes('no client of the session is connected'))).toHaveLength(
      1,
    );
    const service = (await tendJson<Task[]>(home, ['ps'])).find((t) => t.id === serviceId);
    expect(service?.state).toBe('running');
  });
});
