import { MAX_TASK_REF_CHARS } from '@tend/protocol/wire';
import * as z from 'zod';
import { conditionShape, untilOf } from './condition.js';
import { DEFAULT_TOOL_WAIT_MS, MAX_TOOL_WAIT_MS, type ToolContext, type ToolText } from './context.js';
import { TaskWaitOutputSchema } from './output-schemas.js';
import { defineTool, type ToolSetup } from './tool.js';
import { waitAndDescribe } from './wait-common.js';

export const taskWaitSchema = z.object({
  id: z.string().min(1).max(MAX_TASK_REF_CHARS).describe('task id, unique id prefix, or name'),
  until: z
    .object(conditionShape)
    .strict()
    .optional()
    .describe('wait for one readiness condition instead of the end of the task: output, port or http'),
  timeout_ms: z
    .number()
    .int()
    .min(0)
    .max(MAX_TOOL_WAIT_MS)
    .default(DEFAULT_TOOL_WAIT_MS)
    .describe(
      `longest wait in ms (at most ${MAX_TOOL_WAIT_MS}); when it passes the answer says the task is still running`,
    ),
});

export type TaskWaitInput = z.output<typeof taskWaitSchema>;

/**
 * wait_task: one bounded task/wait for the task's end or a condition. Running out
 * of time is an answer, not an error ("still waiting", with the last lines). Structured: the
 * wait's {@link WaitReport} and the task then.
 * @throws the client's task_not_found / ambiguous_id, ToolInputError.
 */
export async function taskWait(input: TaskWaitInput, ctx: ToolContext): Promise<ToolText> {
  const until = input.until ? untilOf(input.until) : undefined;
  const tend = await ctx.tend();
  const task = await tend.get(input.id);
  const answer = await waitAndDescribe(tend, task, until ?? 'exit', input.timeout_ms);
  return { text: answer.text, structured: { ...answer.report, task: answer.task } };
}

/** The wait_task tool. */
export function taskWaitTool(_setup: ToolSetup) {
  return defineTool({
    name: 'wait_task',
    title: 'Wait for a task',
    description:
      'Wait until a background task ends (the default) or becomes ready: a line of output matches a regular ' +
      'expression, its processes listen on a TCP port, or a URL answers. Returns the exit status and last lines ' +
      `when it ends. Each call waits at most ${MAX_TOOL_WAIT_MS / 1000} s; if the task is still running then, it ` +
      'says so (this is not a failure) and you can call wait_task again or do other work meanwhile. Use it after ' +
      'start_task for builds, tests and servers that take a while.',
    inputSchema: taskWaitSchema,
    outputSchema: TaskWaitOutputSchema,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: taskWait,
  });
}
