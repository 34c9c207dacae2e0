import { isAbsolute, resolve } from 'node:path';
import { locateProjectFile, ProjectFileError, projectUpParams } from '@tend/client/project-file';
import * as z from 'zod';
import { TASK_NAME_PATTERN } from '@tend/protocol/wire';
import { MAX_TOOL_WAIT_MS, type ToolContext, type ToolText } from './context.js';
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
  timeout_ms: z
    .number()
    .int()
    .min(0)
    .max(MAX_TOOL_WAIT_MS)
    .default(MAX_TOOL_WAIT_MS)
    .describe(
      `longest wait in ms (default and at most ${MAX_TOOL_WAIT_MS}); the tasks keep coming up after it, and calling ` +
        'up_project again picks up where they are',
    ),
});

/** One task's latest state during project/up, as project/didProgress told it. */
type Outcome = {
  name: string;
  state: string;
  task?: { id: string; pid?: number };
  reused?: boolean;
  detail?: string;
  lastLines?: string;
};

export type ProjectUpInput = z.output<typeof projectUpSchema>;

/**
 * up_project: reads the project file (tend.toml) and sends it with project/up; the daemon starts the tasks in
 * dependency order and waits for each one's readiness. Answers one line per task (ready, or why not, with its
 * last lines), so the model knows the stack is up, or what to read. After `timeout_ms` (at most 45 s, below
 * MCP clients' per-call timeouts) it answers with each task's latest state (project/didProgress) while the
 * daemon goes on bringing them up; the answer is then `ok: false` but not an error.
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
  const latest = new Map<string, Outcome>();
  const up = tend.up(projectUpParams(loaded, input.names), ({ name, state, task, detail }) =>
    latest.set(name, { name, state, ...(task ? { task } : {}), ...(detail ? { detail } : {}) }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<undefined>((done) => {
    timer = setTimeout(() => done(undefined), input.timeout_ms);
  });
  const result = await Promise.race([up, timedOut]).finally(() => clearTimeout(timer));
  if (result === undefined) {
    up.catch(() => undefined); // Its end no longer has a reader: the tasks go on in the daemon.
    const tasks = [...latest.values()];
    return {
      text: [
        `Project ${loaded.project} is still coming up after ${input.timeout_ms} ms; its tasks go on. ` +
          'Call up_project again to wait more (it reuses what runs), or read_output / wait_task on a task.',
        ...tasks.map(outcomeLine),
      ].join('\n'),
      structured: { project: loaded.project, ok: false, tasks },
    };
  }
  const lines = result.tasks.map(outcomeLine);
  const head = result.ok
    ? `Project ${loaded.project} is up: every task is ready.`
    : `Project ${loaded.project} is not up: some tasks failed, timed out or were skipped (read_output shows more).`;
  return {
    text: [head, ...lines].join('\n'),
    structured: result as unknown as Record<string, unknown>,
    ...(result.ok ? {} : { isError: true }),
  };
}

/** `- api: ready (task k3x9…, pid 42)`, with why and the last lines when there are. */
function outcomeLine(outcome: Outcome): string {
  const task = outcome.task;
  const id = task
    ? ` (task ${task.id}${task.pid !== undefined ? `, pid ${task.pid}` : ''}${outcome.reused ? ', already running' : ''})`
    : '';
  const why = outcome.detail ? `: ${outcome.detail}` : '';
  const tail = outcome.lastLines ? `\n  last lines:\n${outcome.lastLines.replace(/^/gm, '    ')}` : '';
  return `- ${outcome.name}: ${outcome.state}${id}${why}${tail}`;
}

/** The up_project tool. */
export function projectUpTool(_setup: ToolSetup) {
  return defineTool({
    name: 'up_project',
    title: "Bring up the project's tasks (tend.toml)",
    description:
      "Start the tasks declared in the project's tend.toml (all, or those named) and what they depend on, in " +
      'dependency order, and wait until each is ready (its port listens, its URL answers, its output matches…). ' +
      'Tasks already running are reused, so calling it again is safe; it waits at most timeout_ms (45 s), then ' +
      'answers where each task is while they go on coming up. Use it instead of start_task when the ' +
      'project has a tend.toml: the commands, order and readiness checks are written there.',
    inputSchema: projectUpSchema,
    outputSchema: ProjectUpOutputSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: projectUp,
  });
}
