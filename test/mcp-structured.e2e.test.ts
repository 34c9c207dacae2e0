import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, fromJsonSchema, type JsonSchemaType } from '@modelcontextprotocol/client';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, makeTendHome } from './helpers.js';
import { tendMcpTransport } from './support/mcp-transport.js';
import { pollUntil } from './support/poll.mjs';

// Issue 17, MCP half: what a program (not only a model) gets from `tend mcp`, through the SDK's own
// Client over stdio to the built CLI in a fresh TEND_HOME: structuredContent conforming to each tool's
// declared outputSchema, task outputs as resources, and a notification when a task of the session ends.

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

/**
 * Starts `tend mcp` in the workspace and connects the SDK's Client to it: 2025 era (`initialize`) by default,
 * or with `modern` the 2026-07-28 era (`server/discover`, per-request envelopes, `subscriptions/listen`).
 */
async function connectAgent(modern = false): Promise<Client> {
  const transport = tendMcpTransport(home, workspace, { stderr: 'pipe' });
  const client = new Client(
    { name: 'tend-e2e-structured', version: '1.0.0' },
    modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await client.connect(transport);
  if (modern) expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
  clients.push(client);
  return client;
}

describe('tend mcp for programs', () => {
  it('answers every tool with structuredContent that conforms to its declared outputSchema', async () => {
    const client = await connectAgent();
    const { tools } = await client.listTools();
    const validators = new Map(
      tools.map((tool) => {
        expect(tool.outputSchema, `${tool.name} declares an outputSchema`).toBeDefined();
        return [tool.name, fromJsonSchema(tool.outputSchema as JsonSchemaType)] as const;
      }),
    );
    const called = new Set<string>();
    /** Calls a tool, checks that its structuredContent validates against the schema it declared, returns it. */
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      const text = (result.content as { text: string }[])[0]!.text;
      expect(result.isError, `${name}: ${text}`).toBeFalsy();
      expect(text.length, `${name} keeps its text for models`).toBeGreaterThan(10);
      const verdict = await validators.get(name)!['~standard'].validate(result.structuredContent);
      expect('issues' in verdict ? verdict.issues : undefined, `${name}'s structuredContent`).toBeUndefined();
      called.add(name);
      // biome-ignore lint/suspicious/noExplicitAny: validated above against the declared schema; the test reads its fields
      return result.structuredContent as Record<string, any>;
    };

    const built = await call('start_task', {
      command: 'echo hi; echo there',
      name: 'build',
      wait_until: { exit: true, timeout_ms: 20_000 },
    });
    expect(built).toMatchObject({
      reused: false,
      task: { name: 'build', state: 'succeeded', exitCode: 0, session: `mcp:${workspace}` },
      wait: { outcome: 'exited', lastLines: 'hi\nthere\n' },
    });
    const id = built.task.id as string;

    const sleeper = await call('start_task', { command: 'sleep 60', name: 'sleeper' });
    expect(sleeper).toMatchObject({ reused: false, task: { name: 'sleeper', state: 'running' } });

    const listed = await call('list_tasks', {});
    expect(listed.session).toBe(`mcp:${workspace}`);
    expect(listed.tasks.map((t: { name: string }) => t.name)).toEqual(['sleeper', 'build']);

    const read = await call('read_output', { id: 'build', from_start: true });
    expect(read).toMatchObject({ data: 'hi\nthere\n', offset: 0, nextOffset: 9, ended: true, task: { id } });

    const waited = await call('wait_task', { id: 'sleeper', timeout_ms: 0 });
    expect(waited).toMatchObject({ outcome: 'timeout', task: { name: 'sleeper', state: 'running' } });

    const stopped = await call('stop_task', { id: 'sleeper', grace_ms: 2_000 });
    expect(stopped).toMatchObject({
      sent: true,
      ended: true,
      signal: 'SIGTERM',
      task: { state: 'killed', signal: 'SIGTERM' },
      stop: { remaining: 0 },
    });

    const inbox = await call('task_inbox', {});
    expect(inbox).toMatchObject({ session: `mcp:${workspace}`, acknowledged: true, more: false });
    expect(inbox.completions.map((c: { taskId: string; state: string }) => [c.taskId, c.state])).toEqual([
      [id, 'succeeded'],
      [sleeper.task.id, 'killed'],
    ]);

    // up_project answers with project/up's result (issue 14): the task of the workspace's tend.toml, ready.
    writeFileSync(join(workspace, 'tend.toml'), '[tasks.hello]\ncommand = "sleep 60"\n');
    const up = await call('up_project', {});
    expect(up).toMatchObject({ project: workspace, ok: true, tasks: [{ name: 'hello', state: 'ready' }] });
    await call('stop_task', { id: up.tasks[0].task.id, grace_ms: 2_000 });

    expect([...called].sort()).toEqual(tools.map((t) => t.name).sort());

    // A failed call is an error answer for the model: text, and no structured content to validate.
    const failed = await client.callTool({ name: 'read_output', arguments: { id: 'no-such-task' } });
    expect(failed.isError).toBe(true);
    expect(failed.structuredContent).toBeUndefined();
  }, 60_000);

  it('tells a client that subscribed to a task output when the task ends, and logs it once a level is set', async () => {
    const client = await connectAgent();
    const updates: string[] = [];
    const logs: { level: string; logger?: string; data: { message: string; completion: unknown } }[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
    client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params as never));
    expect(client.getServerCapabilities()).toMatchObject({ resources: { subscribe: true }, logging: {} });

    const gate = join(home, 'gate');
    const started = await client.callTool({
      name: 'start_task',
      arguments: {
        command: `while [ ! -e '${gate}' ]; do sleep 0.05; done; echo done; exit 4`,
        name: 'gated',
      },
    });
    const id = (started.structuredContent as { task: { id: string } }).task.id;
    // A task of the session that ends before anyone subscribes or sets a level is told to no one.
    await client.callTool({
      name: 'start_task',
      arguments: { command: 'true', name: 'quick', wait_until: { exit: true, timeout_ms: 20_000 } },
    });
    expect(updates).toEqual([]);
    expect(logs).toEqual([]);

    // By name: the server resolves it to the task and notifies with the URI the client subscribed to.
    await client.subscribeResource({ uri: 'tend://task/gated/output' });
    await client.setLoggingLevel('info');
    writeFileSync(gate, '');

    await pollUntil('the resource update and the log message', () =>
      updates.length > 0 && logs.length > 0 ? true : undefined,
    );
    expect(updates).toEqual(['tend://task/gated/output']);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'warning',
      logger: 'tend',
      data: { completion: { taskId: id, name: 'gated', state: 'failed', exitCode: 4, tail: 'done' } },
    });
    expect(logs[0]!.data.message).toMatch(
      new RegExp(`^tend task ${id} "gated" ended: failed \\(exit code 4\\)`),
    );

    // Subscribing to something that is not a task output is refused with the URI named.
    await expect(client.subscribeResource({ uri: 'tend://task/nope/output' })).rejects.toThrow(/nope/);
  }, 60_000);

  it('on the 2026-07-28 era, tells a client listening for a task output’s updates when the task ends', async () => {
    const client = await connectAgent(true);
    const updates: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
    const gate = join(home, 'gate');
    const started = await client.callTool({
      name: 'start_task',
      arguments: { command: `while [ ! -e '${gate}' ]; do sleep 0.05; done`, name: 'gated' },
    });
    const uri = `tend://task/${(started.structuredContent as { task: { id: string } }).task.id}/output`;
    const subscription = await client.listen({ resourceSubscriptions: [uri] });
    writeFileSync(gate, '');
    await pollUntil('the resource update', () => (updates.length > 0 ? true : undefined));
    expect(updates).toEqual([uri]);
    await subscription.close();
  }, 60_000);

  it('lists the session’s task outputs as resources and reads the end of one', async () => {
    const client = await connectAgent();
    const started = await client.callTool({
      name: 'start_task',
      arguments: {
        command: 'printf "\\033[31mred\\033[0m line\\n"; seq 1 3',
        name: 'printer',
        wait_until: { exit: true, timeout_ms: 20_000 },
      },
    });
    const id = (started.structuredContent as { task: { id: string } }).task.id;
    const uri = `tend://task/${id}/output`;

    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['tend://task/{id}/output']);
    const { resources } = await client.listResources();
    expect(resources).toEqual([
      expect.objectContaining({
        uri,
        name: 'printer',
        mimeType: 'text/plain',
        title: `Output of task ${id} "printer"`,
      }),
    ]);

    const { contents } = await client.readResource({ uri });
    expect(contents).toEqual([{ uri, mimeType: 'text/plain', text: 'red line\n1\n2\n3\n' }]);
    // By name too, as read_output takes it.
    const byName = await client.readResource({ uri: 'tend://task/printer/output' });
    expect((byName.contents[0] as { text: string }).text).toBe('red line\n1\n2\n3\n');

    await expect(client.readResource({ uri: 'tend://task/zzzz9999/output' })).rejects.toThrow(/zzzz9999/);
  }, 60_000);
});
