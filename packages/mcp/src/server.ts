import { McpServer } from '@modelcontextprotocol/server';
import { TEND_VERSION } from '@tend/protocol/wire';
import { tendTools, toolError, type ToolContext, type ToolText } from './tools/index.js';

/** What the server tells the model about itself, once, before the tool list (MCP `instructions`). */
export const INSTRUCTIONS =
  'tend runs shell commands as background tasks supervised by a per-user daemon. Start dev servers, watchers, ' +
  'long builds and test suites with start_task instead of running them in the foreground: they keep running, and ' +
  'keep their output and exit status, when this conversation or the editor restarts; about a minute after no ' +
  'agent of this workspace is connected they are stopped, unless started with lifetime "persistent" (for ' +
  'services that must outlive you). read_output returns only ' +
  'what is new since your last read. wait_task and start_task(wait_until) wait at most 45 s per call; "still ' +
  'running" is a normal answer. After a restart, task_inbox says which tasks ended meanwhile and list_tasks ' +
  'finds the live ones. When the workspace has a tend.toml, up_project starts its tasks in dependency order and ' +
  'waits until they are ready. Tasks are also visible to the user with `tend ps` and `tend logs`.';

/**
 * Builds the MCP server: the seven tools of {@link tendTools} registered with the
 * SDK, each answering with one text block. A tool that throws (a tend error, a
 * bad combination of inputs) answers with `isError: true` and the message instead
 * of failing the request, so the model sees what to fix.
 */
export function createTendMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer(
    { name: 'tend', title: 'tend background tasks', version: TEND_VERSION },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  for (const tool of tendTools({ workspace: ctx.workspace, session: ctx.session })) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        annotations: tool.annotations,
      },
      async (input: unknown) => toCallToolResult(await tool.run(input as never, ctx).catch(toolError)),
    );
  }
  return server;
}

function toCallToolResult(answer: ToolText) {
  return {
    content: [{ type: 'text' as const, text: answer.text }],
    ...(answer.isError ? { isError: true } : {}),
  };
}
