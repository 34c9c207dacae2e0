import { type McpServer, ResourceNotFoundError, ResourceTemplate } from '@modelcontextprotocol/server';
import type { Task } from '@tend/client';
import { oneLine, taskLabel, taskState } from './tools/format.js';
import type { ToolContext } from './tools/index.js';

/** URI template of a task's output as an MCP resource: `tend://task/k3j9x2/output`. */
export const TASK_OUTPUT_URI_TEMPLATE = 'tend://task/{id}/output';
/** Most bytes of output a resource read returns: the end of the log (64 KiB, a few thousand lines). */
export const RESOURCE_MAX_BYTES = 64 * 1024;
/** Most tasks `resources/list` shows: the session's newest. */
export const RESOURCE_LIST_LIMIT = 100;

/** The resource URI of a task's output. */
export function taskOutputUri(id: string): string {
  return `tend://task/${id}/output`;
}

/**
 * Registers the task output resources: the template `tend://task/{id}/output`, listed for the session's
 * tasks (newest first, at most {@link RESOURCE_LIST_LIMIT}), read as the last {@link RESOURCE_MAX_BYTES}
 * bytes of the task's output, ANSI removed and `\r` redraws collapsed, as `text/plain` (never split inside
 * a UTF-8 character). Any task the daemon knows can be read by id, unique prefix or name, as with
 * read_output; reading does not move the session's read position. An unknown task answers
 * ResourceNotFoundError (-32602 on the wire) naming the URI.
 */
export function registerTaskResources(server: McpServer, ctx: ToolContext): void {
  const template = new ResourceTemplate(TASK_OUTPUT_URI_TEMPLATE, {
    list: async () => {
      const tasks = await (await ctx.tend()).list({ session: ctx.session, limit: RESOURCE_LIST_LIMIT });
      return { resources: tasks.map(describeResource) };
    },
  });
  server.registerResource(
    'task-output',
    template,
    {
      title: 'tend task output',
      description:
        `The end of a tend task's output (last ${RESOURCE_MAX_BYTES / 1024} KiB, colour codes removed); ` +
        "listed for this session's tasks. Subscribe to be told when the task ends.",
      mimeType: 'text/plain',
    },
    async (uri, variables) => {
      const id = String(variables.id ?? '');
      const tend = await ctx.tend();
      let task: Task;
      try {
        task = await tend.get(id);
      } catch (error) {
        const reason = (error as { reason?: unknown }).reason;
        if (reason === 'task_not_found' || reason === 'ambiguous_id')
          throw new ResourceNotFoundError(uri.href, `${uri.href}: ${(error as Error).message}`);
        throw error;
      }
      const read = await tend.output({
        id: task.id,
        tail: { bytes: RESOURCE_MAX_BYTES },
        limit: RESOURCE_MAX_BYTES,
        clean: true,
      });
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: read.data }] };
    },
  );
}

function describeResource(task: Task) {
  return {
    uri: taskOutputUri(task.id),
    name: task.name ?? task.id,
    title: `Output of ${taskLabel(task)}`,
    description: `${taskState(task)} — ${oneLine(task.command)}`,
    mimeType: 'text/plain',
  };
}
