import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import type { Task } from '@tend/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, makeTendHome, tendJson } from './helpers.js';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';
import { tendMcpTransport } from './support/mcp-transport.js';

// End to end through a real MCP client: the SDK's own Client, speaking stdio to
// `node packages/cli/dist/bin.js mcp` in a fresh TEND_HOME, as Claude Code,
// Cursor or Codex would run it.

const TOOLS = [
  'start_task',
  'list_tasks',
  'read_output',
  'wait_task',
  'stop_task',
  'task_inbox',
  'up_project',
];

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
  clients = [];
});

afterEach(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await cleanUpTendHome(home);
});

/** Starts `tend mcp` in the workspace (its default session: mcp:<workspace>) and connects an MCP client to it. */
async function connectAgent(): Promise<{ client: Client; stderr: () => string; pid: number }> {
  const transport = tendMcpTransport(home, workspace, { stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'tend-e2e', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, stderr: () => stderr, pid: transport.pid! };
}

/** Calls a tool and returns its one text block, failing on an error answer. */
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
  if (result.isError) throw new Error(`${name} answered an error: ${text}`);
  return text;
}

/** The output quoted in a read_output answer ('' when it quotes none). */
function quoted(text: string): string {
  return /```\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
}

describe('tend mcp, driven by a real MCP client', () => {
  it('starts a task, reads its output incrementally, waits for readiness, stops it, and shows it to `tend ps` and the inbox once', async () => {
    const { client, stderr } = await connectAgent();

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools)
      expect(tool.description?.length ?? 0, `${tool.name} needs a description`).toBeGreaterThan(100);

    const gate1 = join(home, 'gate1');
    const gate2 = join(home, 'gate2');
    const command =
      `echo first; while [ ! -e '${gate1}' ]; do sleep 0.05; done; echo ready; ` +
      `while [ ! -e '${gate2}' ]; do sleep 0.05; done; echo more 1; echo more 2; sleep 60`;
    const started = await call(client, 'start_task', { command, name: 'e2e' });
    const id = /^Started task ([a-z0-9]+) "e2e": running/.exec(started)?.[1];
    expect(id, started).toBeDefined();

    // First read: long-polls until the first line is there; only that line, the task still running.
    const first = await call(client, 'read_output', { id, wait_ms: 10_000 });
    expect(quoted(first)).toBe('first\n');
    expect(first).toContain('The task is still running');

    writeFileSync(gate1, '');
    const ready = await call(client, 'wait_task', { id, until: { output: '^ready$' }, timeout_ms: 20_000 });
    expect(ready).toMatch(
      new RegExp(
        `^Ready after [\\d.]+ s: a line matched /\\^ready\\$/: "ready"\\. task ${id} "e2e" is running`,
      ),
    );

    // Second read: only the bytes written since the first read.
    const second = await call(client, 'read_output', { id: 'e2e' });
    expect(quoted(second)).toBe('ready\n');

    writeFileSync(gate2, '');
    let rest = '';
    await pollUntil('the last two lines through read_output', async () => {
      rest += quoted(await call(client, 'read_output', { id, wait_ms: 5_000 }));
      return rest.includes('more 2') ? true : undefined;
    });
    expect(rest).toBe('more 1\nmore 2\n');

    const stopped = await call(client, 'stop_task', { id, grace_ms: 2_000 });
    expect(stopped).toMatch(
      new RegExp(`^Stopped task ${id} "e2e" with SIGTERM: killed \\(.*SIGTERM.*\\) after`),
    );
    expect(stopped).toContain('more 2');
    // The daemon proved the stop: it says what it signalled and that nothing is left.
    expect(stopped).toMatch(/ \d+ process(es)? signalled, 0 left\./);

    // The task belongs to the daemon, not to MCP: the CLI lists it, with the session and workspace of the agent.
    const listed = (await tendJson<Task[]>(home, ['ps', '-a'])).find((t) => t.id === id);
    expect(listed).toMatchObject({
      id,
      name: 'e2e',
      state: 'killed',
      signal: 'SIGTERM',
      cwd: workspace,
      session: `mcp:${workspace}`,
    });

    const inbox = await call(client, 'task_inbox', {});
    expect(inbox).toMatch(
      new RegExp(
        `^1 task end not seen before, oldest first \\(now marked as seen\\):\\n- ${id} "e2e": killed`,
      ),
    );
    expect(inbox).toContain('more 2');
    expect(await call(client, 'task_inbox', {})).toBe(
      `No task of this session (mcp:${workspace}) has ended since the last check.`,
    );

    expect(stderr()).toContain(`serving session "mcp:${workspace}"`);
  }, 60_000);

  it('keeps a task running after the agent’s server exits; a new server in the same workspace finds it and reads only what is new', async () => {
    const gate = join(home, 'gate');
    const first = await connectAgent();
    const started = await call(first.client, 'start_task', {
      command: `echo before; while [ ! -e '${gate}' ]; do sleep 0.05; done; echo after; sleep 60`,
      name: 'server',
      wait_until: { output: 'before', timeout_ms: 20_000 },
    });
    const id = /^Started task ([a-z0-9]+)/.exec(started)![1]!;
    expect(started).toContain('Ready after');
    expect(quoted(await call(first.client, 'read_output', { id }))).toBe('before\n');

    await first.client.close();
    await pollUntil('the first MCP server to exit', () => (isAlive(first.pid) ? undefined : true));
    const task = (await tendJson<Task[]>(home, ['ps'])).find((t) => t.id === id);
    expect(task).toMatchObject({ state: 'running' });
    expect(isAlive(task!.pid!)).toBe(true);

    writeFileSync(gate, '');
    const second = await connectAgent();
    expect(await call(second.client, 'list_tasks', { state: 'live' })).toContain(`- ${id} "server": running`);
    let rest = '';
    await pollUntil('the line written after the restart', async () => {
      rest += quoted(await call(second.client, 'read_output', { id: 'server', wait_ms: 5_000 }));
      return rest.includes('after') ? true : undefined;
    });
    expect(rest).toBe('after\n');

    // Starting the same named command again reuses the live task instead of a second copy.
    const again = await call(second.client, 'start_task', {
      command: `echo before; while [ ! -e '${gate}' ]; do sleep 0.05; done; echo after; sleep 60`,
      name: 'server',
    });
    expect(again).toMatch(new RegExp(`^Reused the live task ${id} "server"`));
    expect((await tendJson<Task[]>(home, ['ps'])).filter((t) => t.name === 'server')).toHaveLength(1);
  }, 60_000);

  it('answers a mistake with an error result the model can act on, not a protocol failure', async () => {
    const { client } = await connectAgent();
    const result = await client.callTool({ name: 'read_output', arguments: { id: 'no-such-task' } });
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0]!.text).toMatch(
      /no-such-task[\s\S]*list_tasks shows the ids and names/,
    );
  }, 60_000);
});
