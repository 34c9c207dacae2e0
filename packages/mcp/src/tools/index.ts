import { listTasksTool } from './list-tasks.js';
import { readOutputTool } from './read-output.js';
import { startTaskTool } from './start-task.js';
import { stopTaskTool } from './stop-task.js';
import { taskInboxTool } from './task-inbox.js';
import type { Tool, ToolSetup } from './tool.js';
import { waitTaskTool } from './wait-task.js';

export type { TendApi, ToolContext, ToolText } from './context.js';
export { MAX_TOOL_WAIT_MS, DEFAULT_TOOL_WAIT_MS } from './context.js';
export type { Tool, ToolHints, ToolSetup } from './tool.js';
export { toolError, ToolInputError } from './errors.js';

/** The six tools of `tend mcp`, in the order a model meets them. */
export function tendTools(setup: ToolSetup): Tool[] {
  return [
    startTaskTool(setup),
    listTasksTool(setup),
    readOutputTool(setup),
    waitTaskTool(setup),
    stopTaskTool(setup),
    taskInboxTool(setup),
  ] as unknown as Tool[]; // each run() takes its own schema's output; the SDK validates input against that schema first
}
