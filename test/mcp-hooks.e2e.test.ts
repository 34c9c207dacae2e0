import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import type { Task } from '@tend/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, makeTendHome, tend, tendJson } from './helpers.js';
import { tendMcpTransport } from './support/mcp-transport.js';

// A task started by an agent through `tend mcp` (a real MCP SDK client) with description, notify and
// trigger; its end reaches the same agent through `tend hook claude-code …` run in the same project,
// which proves that the hook derives the MCP server's session (mcp:<project dir>).

let home: string;
let project: string;
let client: Client | undefined;

beforeAll(() => {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`);
});

beforeEach(() => {
  home = makeTendHome();
  project = join(home, 'project');
  mkdirSync(project);
});

afterEach(async () => {
  await client?.close().catch(() => undefined);
  client = undefined;
  await cleanUpTendHome(home);
});

async function call(name: string, args: Record<string, unknown>): Promise<string> {
  const result = await (client as Client).callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
  if (result.isError) throw new Error(`${name} answered an error: ${text}`);
  return text;
}

describe('tend mcp and tend hook share the session', () => {
  it('start_task takes description, notify and trigger; list_tasks shows the description; the hook reports the end', async () => {
    // As Claude Code starts it: in the project directory, without --session.
    client = new Client({ name: 'tend-hooks-e2e', version: '1.0.0' });
    await client.connect(tendMcpTransport(home, project));
    const started = await call('start_task', {
      command: 'echo built; exit 0',
      name: 'build',
      description: 'compile for the release',
      trigger: true,
      wait_until: { exit: true },
    });
    expect(started).toContain('task');
    expect(started).toContain('(compile for the release)');
    const quiet = await call('start_task', {
      command: 'echo server',
      notify: false,
      wait_until: { exit: true },
    });
    const id = /task (\w+) "build"/.exec(started)?.[1] as string;
    const quietId = /task (\w+)/.exec(quiet)?.[1] as string;

    const listed = await call('list_tasks', { search: 'RELEASE' });
    expect(listed).toContain(`- ${id} "build" (compile for the release): succeeded`);
    expect(listed).not.toContain(quietId);

    const task = await tendJson<Task>(home, ['inspect', id]);
    expect(task).toMatchObject({
      description: 'compile for the release',
      trigger: true,
      session: `mcp:${project}`,
    });
    expect(await tendJson<Task>(home, ['inspect', quietId])).toMatchObject({ notify: false });

    // Claude Code gives hooks $CLAUDE_PROJECT_DIR and a cwd that may be a subdirectory.
    const input = JSON.parse(
      readFileSync(new URL('./fixtures/agent-hooks/claude-code.input.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const sub = join(project, 'src');
    mkdirSync(sub);
    const result = await tend(home, ['hook', 'claude-code', 'session-start'], {
      input: JSON.stringify({ ...input, hook_event_name: 'SessionStart', cwd: sub }),
      cwd: sub,
      env: { CLAUDE_PROJECT_DIR: project },
    });
    expect(result.code).toBe(0);
    const context = (JSON.parse(result.stdout) as { hookSpecificOutput: { additionalContext: string } })
      .hookSpecificOutput.additionalContext;
    expect(context).toContain(`task ${id} "build" (compile for the release): succeeded, exit code 0`);
    expect(context).not.toContain(quietId);
    // task_inbox of the same session no longer lists what the hook acknowledged.
    expect(await call('task_inbox', {})).not.toContain(id);
  }, 120_000);
});
