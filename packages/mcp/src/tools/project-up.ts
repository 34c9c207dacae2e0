import { isAbsolute, resolve } from 'node:path';
import { locateProjectFile, ProjectFileError, projectUpParams } from '@tend/client/project-file';
import * as z from 'zod';
import { TASK_NAME_PATTERN } from '@tend/protocol/wire';
import type { ToolContext, ToolText } from './context.js';
import { ToolInputError } from './errors.js';
import { ProjectUpOutputSchema } from './output-schemas.js';
import { defineTool, type ToolSetup } from './tool.js';

/** Input of up_project. */
export const projectUpSchema = z.object({
  names: z
    .array(z.string().regex(TASK_NAME_PATTERN, 'must be a task name of the project file'))
    .optional()
    .describe('tasks of the project file to bring up, with what they depend on; default: all of them'),
  file: z
    .string()
    .min(1)
    .optional()
    .describe('the project file; default: the nearest tend.toml in the workspace or above it'),
});

export type ProjectUpInput = z.output<typeof projectUpSchema>;

/**
 * up_project: reads the project file (tend.toml) and sends it with project/up; the daemon starts the tasks in
 * dependency order and waits for each one's readiness. Answers one line per task (ready, or why not, with its
 * last lines), so the model knows the stack is up, or what to read.
 * @throws ToolInputError for a missing or bad project file (file:line: key: what is wrong).
 */
export async function projectUp(input: ProjectUpInput, ctx: ToolContext): Promise<ToolText> {
  let loaded: ReturnType<typeof locateProjectFile>;
  try {
    const file =
      input.file === undefined || isAbsolute(input.file) ? input.file : resolve(ctx.workspace, input.file);
    loaded = locateProjectFile(ctx.workspace, file);
  } catch (error) {
    if (error instanceof ProjectFileError) throw new ToolInputError(error.message);
    throw error;
  }
  const tend = await ctx.tend();
  const result = await tend.up(projectUpParams(loaded, input.names));
  const lines = result.tasks.map((outcome) => {
    const task = outcome.task;
    const id = task
      ? ` (task ${task.id}${task.pid !== undefined ? `, pid ${task.pid}` : ''}${outcome.reused ? ', already running' : ''})`
      : '';
    const why = outcome.detail ? `: ${outcome.detail}` : '';
    const tail = outcome.lastLines ? `\n  last lines:\n${outcome.lastLines.replace(/^/gm, '    ')}` : '';
    return `- ${outcome.name}: ${outcome.state}${id}${why}${tail}`;
  });
  const head = result.ok
    ? `Project ${loaded.project} is up: every task is ready.`
    : `Project ${loaded.project} is not up: some tasks failed, timed out or were skipped (read_output shows more).`;
  return {
    text: [head, ...lines].join('\n'),
    structured: result as unknown as Record<string, unknown>,
    ...(result.ok ? {} : { isError: true }),
  };
}

/** The up_project tool. */
export function projectUpTool(_setup: ToolSetup) {
  return defineTool({
    name: 'up_project',
    title: "Bring up the project's tasks (tend.toml)",
    description:
      "Start the tasks declared in the project's tend.toml (all, or those named) and what they depend on, in " +
      'dependency order, and wait until each is ready (its port listens, its URL answers, its output matches…). ' +
      'Tasks already running are reused, so calling it again is safe. Use it instead of start_task when the ' +
      'project has a tend.toml: the commands, order and readiness checks are written there.',
    inputSchema: projectUpSchema,
    outputSchema: ProjectUpOutputSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: projectUp,
  });
}
