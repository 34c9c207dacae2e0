import { projectUpTool } from './project-up.js';
import { taskListTool } from './task-list.js';
import { taskOutputTool } from './task-output.js';
import { taskRunTool } from './task-run.js';
import { taskKillTool } from './task-kill.js';
import { taskCompletionsTool } from './task-completions.js';
import type { Tool, ToolSetup } from './tool.js';
import { taskWaitTool } from './task-wait.js';

export type { TendApi, ToolContext, ToolText } from './context.js';
export { MAX_TOOL_WAIT_MS, DEFAULT_TOOL_WAIT_MS } from './context.js';
export type { Tool, ToolHints, ToolSetup } from './tool.js';
export { toolError, ToolInputError } from './errors.js';

/** The seven tools of `tend mcp`, in the order a model meets them. */
export function tendTools(setup: ToolSetup): Tool[] {
  return [
    taskRunTool(setup),
    taskListTool(setup),
    taskOutputTool(setup),
    taskWaitTool(setup),
    taskKillTool(setup),
    taskCompletionsTool(setup),
    projectUpTool(setup),
  ] as unknown as Tool[]; // each run() takes its own schema's output; the SDK validates input against that schema first
}
