import { McpServer } from '@modelcontextprotocol/server';
import { TEND_VERSION } from '@tend/protocol/wire';
import { registerTaskResources } from './resources.js';
import type { McpEra, TaskEndNotifier } from './task-end-notifier.js';
import { type Tool, tendTools, toolError, type ToolContext, type ToolText } from './tools/index.js';

/** What the server tells the model about itself, once, before the tool list (MCP `instructions`). */
export const INSTRUCTIONS =
  'tend runs shell commands as background tasks supervised by a per-user daemon. Start dev servers, watchers, ' +
  'long builds and test suites with start_task instead of running them in the foreground: they keep running, and ' +
  'keep their output and exit status, when this conversation or the editor restarts; about a minute after no ' +
  'agent of this workspace is connected they are stopped, unless started with lifetime "persistent" (for ' +
  'services that must outlive you). read_output returns only ' +
  'what is new since your last read. wait_task, start_task(wait_until) and up_project wait at most 45 s per call; "still ' +
  'running" is a normal answer. After a restart, task_inbox says which tasks ended meanwhile and list_tasks ' +
  'finds the live ones. When the workspace has a tend.toml, up_project starts its tasks in dependency order and ' +
  'waits until they are ready. Tasks are also visible to the user with `tend ps` and `tend logs`.';

/** Options of {@link createTendMcpServer}. */
export interface TendMcpServerOptions {
  /** Tells the client of the session's task ends (resource updates, log messages); none: no notifications. */
  notifier?: TaskEndNotifier;
  /** The era serveStdio chose for this instance (default legacy: the 2025 `initialize` handshake). */
  era?: McpEra;
}

/**
 * Builds the MCP server: the seven tools of {@link tendTools} registered with the
 * SDK, each answering with one text block for the model and `structuredContent`
 * conforming to its declared `outputSchema` (tools/output-schemas.ts) for programs;
 * the task output resources (`tend://task/{id}/output`, resources.ts); and, with a
 * notifier, resource subscriptions and log levels for task-end notifications. A tool that
 * throws (a tend error, a bad combination of inputs) answers with `isError: true` and
 * the message (text only) instead of failing the request, so the model sees what to fix.
 */
export function createTendMcpServer(ctx: ToolContext, options: TendMcpServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: 'tend', title: 'tend background tasks', version: TEND_VERSION },
    {
      capabilities: {
        tools: {},
        resources: { subscribe: options.notifier !== undefined, listChanged: false },
        ...(options.notifier ? { logging: {} } : {}),
      },
      instructions: INSTRUCTIONS,
    },
  );
  for (const tool of tendTools({ workspace: ctx.workspace, session: ctx.session })) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: tool.annotations,
      },
      async (input: unknown) => toCallToolResult(tool, await tool.run(input as never, ctx).catch(toolError)),
    );
  }
  registerTaskResources(server, ctx);
  options.notifier?.attach(server, options.era ?? 'legacy');
  return server;
}

/**
 * The MCP answer: the text, and the structured facts parsed through the tool's output schema (which
 * drops fields it does not declare, so the content conforms to the JSON Schema a client validates with).
 */
function toCallToolResult(tool: Tool, answer: ToolText) {
  if (answer.isError) return { content: [{ type: 'text' as const, text: answer.text }], isError: true };
  return {
    content: [{ type: 'text' as const, text: answer.text }],
    structuredContent: tool.outputSchema.parse(answer.structured ?? {}) as Record<string, unknown>,
  };
}
