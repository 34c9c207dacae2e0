import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import type { Task } from '@tend/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, makeTendHome, tendJson } from './helpers.js';
import {
  API_DELAY_MS,
  freePort,
  makeProject,
  removeProject,
  SERVE_SCRIPT,
  stackToml,
} from './project-stack.js';
import { tendMcpTransport } from './support/mcp-transport.js';

// An agent brings up a project task by name through the SDK's own MCP client (stdio to `tend mcp`),
// in a workspace holding the three-task stack's tend.toml.

let home: string;
let workspace: string;
let client: Client | undefined;

beforeAll(() => {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`);
});

beforeEach(() => {
  home = makeTendHome();
});

afterEach(async () => {
  await client?.close().catch(() => undefined);
  await cleanUpTendHome(home);
  removeProject(workspace);
});

/** Calls a tool and returns its text and whether it answered an error. */
async function call(
  name: string,
  args: Record<string, unknown>,
): Promise<{ text: string; isError: boolean }> {
  const result = await (client as Client).callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
  return { text, isError: result.isError === true };
}

describe('up_project, driven by a real MCP client', { timeout: 180_000 }, () => {
  it('lists the declared tasks not running, brings up api by name with its dependency, and reports it ready', async () => {
    const [apiPort, webPort] = [await freePort(), await freePort()];
    workspace = makeProject(stackToml(apiPort, webPort), { 'serve.mjs': SERVE_SCRIPT });
    client = new Client({ name: 'tend-e2e', version: '1.0.0' });
    await client.connect(tendMcpTransport(home, workspace));

    const before = await call('list_tasks', {});
    expect(before.text).toContain(
      `Declared in ${join(workspace, 'tend.toml')}, not running: setup, api, web`,
    );

    const up = await call('up_project', { names: ['api'] });
    expect(up.isError).toBe(false);
    expect(up.text).toContain(`Project ${workspace} is up`);
    expect(up.text).toMatch(/- setup: succeeded \(task [a-z0-9]+/);
    expect(up.text).toMatch(/- api: ready \(task [a-z0-9]+, pid \d+\)/);
    expect(up.text).not.toContain('- web');

    // Ready means listening: the port answers now, without waiting.
    const answer = await fetch(`http://127.0.0.1:${apiPort}/`);
    expect(await answer.text()).toBe('ok\n');
    const tasks = await tendJson<Task[]>(home, ['ps', '--project', workspace]);
    expect(tasks.map((t) => t.name)).toEqual(['api']);
    expect(Date.now() - Date.parse(tasks[0]?.startedAt as string)).toBeGreaterThanOrEqual(API_DELAY_MS);

    const after = await call('list_tasks', {});
    expect(after.text).toContain('not running: setup, web');

    // A bad file is an error answer naming the file and line.
    writeFileSync(join(workspace, 'tend.toml'), '[tasks.api]\ncommand = "x"\nready = { prot = 1 }\n');
    const bad = await call('up_project', {});
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain(`${join(workspace, 'tend.toml')}:3: tasks.api.ready.prot: unknown key`);
  });

  it('answers after timeout_ms with each task where it is, not an error, while the task goes on', async () => {
    workspace = makeProject(
      '[tasks.slow]\ncommand = "echo warming up; exec sleep 600"\nready = { output = "never printed", timeout = "60s" }\n',
    );
    client = new Client({ name: 'tend-e2e', version: '1.0.0' });
    await client.connect(tendMcpTransport(home, workspace));

    const up = await call('up_project', { timeout_ms: 1500 });
    expect(up.isError, up.text).toBe(false);
    expect(up.text).toContain(`Project ${workspace} is still coming up after 1500 ms`);
    expect(up.text).toMatch(/- slow: started \(task [a-z0-9]+, pid \d+\)/);
    const tasks = await tendJson<Task[]>(home, ['ps', '--project', workspace]);
    expect(tasks.map((t) => [t.name, t.state])).toEqual([['slow', 'running']]);
  });
});
