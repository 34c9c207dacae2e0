import * as z from 'zod';
import type { Task } from '@tend/client';
import { LIVE_STATES, MAX_DESCRIPTION_CHARS, TERMINAL_STATES } from '@tend/protocol/wire';
import { findProjectFile, loadProjectFile, ProjectFileError } from '@tend/client/project-file';
import type { ToolContext, ToolText } from './context.js';
import { duration, isLive, oneLine, taskState } from './format.js';
import { TaskListOutputSchema } from './output-schemas.js';
import { defineTool, type ToolSetup } from './tool.js';

export const taskListSchema = z.object({
  all_sessions: z
    .boolean()
    .default(false)
    .describe(
      'true: every task the daemon knows (started from terminals, editors, other agents); default only this session’s',
    ),
  state: z
    .enum(['any', 'live', 'ended'])
    .default('any')
    .describe('live: starting/running/stopping/restarting; ended: finished in any way'),
  search: z
    .string()
    .min(1)
    .max(MAX_DESCRIPTION_CHARS)
    .optional()
    .describe('only tasks whose name, command or description holds this text (ASCII letters in any case)'),
  limit: z.number().int().min(1).max(200).default(20).describe('most tasks listed, newest first'),
});

export type TaskListInput = z.output<typeof taskListSchema>;

/**
 * list_tasks: task/list filtered by this session (unless all_sessions) and state,
 * newest first, with the listening ports of live tasks from task/stats (left out
 * if stats fail: the list matters more). One line per task; structured: the session and the tasks
 * (each with `ports` when it listens).
 */
export async function taskList(input: TaskListInput, ctx: ToolContext): Promise<ToolText> {
  const tend = await ctx.tend();
  const states =
    input.state === 'live' ? [...LIVE_STATES] : input.state === 'ended' ? [...TERMINAL_STATES] : undefined;
  const tasks = await tend.list({
    ...(input.all_sessions ? {} : { session: ctx.session }),
    ...(states ? { state: states } : {}),
    ...(input.search !== undefined ? { search: input.search } : {}),
    limit: input.limit,
  });
  const session = input.all_sessions ? {} : { session: ctx.session };
  const declared = await notRunning(ctx);
  const whose = input.all_sessions ? 'known to the tend daemon' : `of this session (${ctx.session})`;
  const which = input.state === 'any' ? '' : `${input.state} `;
  if (tasks.length === 0) {
    const more = input.all_sessions ? '' : ' all_sessions: true lists tasks started elsewhere too.';
    return {
      text: [`No ${which}tasks ${whose}.${more}`, ...declared].join('\n'),
      structured: { ...session, tasks: [] },
    };
  }
  const ports = tasks.some(isLive) ? await portsByTask(ctx) : new Map<string, number[]>();
  const lines = tasks.map((task) => taskLine(task, ports.get(task.id), input.all_sessions, ctx.workspace));
  return {
    text: [
      `${tasks.length} ${which}task${tasks.length === 1 ? '' : 's'} ${whose}, newest first:`,
      ...lines,
      ...declared,
    ].join('\n'),
    structured: {
      ...session,
      tasks: tasks.map((task) => {
        const taskPorts = ports.get(task.id);
        return taskPorts && taskPorts.length > 0 ? { ...task, ports: taskPorts } : task;
      }),
    },
  };
}

/**
 * `- k3j9x2 "web" (the dev server): running (pid 1234, up 5 min), ports 3000 — npm run dev`, with the description
 * in parentheses when there is one, and cwd and session where useful.
 */
export function taskLine(
  task: Task,
  ports: number[] | undefined,
  showSession: boolean,
  workspace: string,
): string {
  const parts = [
    `- ${task.id}${task.name ? ` "${task.name}"` : ''}${task.description ? ` (${oneLine(task.description)})` : ''}: ${taskState(task)}`,
  ];
  if (ports && ports.length > 0) parts.push(`ports ${ports.join(', ')}`);
  if (!isLive(task) && task.endedAt)
    parts.push(`ended ${duration(Date.now() - Date.parse(task.endedAt))} ago`);
  if (task.cwd !== workspace) parts.push(`in ${task.cwd}`);
  if (showSession) parts.push(task.session ? `session ${task.session}` : 'no session');
  return `${parts.join(', ')} — ${oneLine(task.command)}`;
}

/**
 * The tasks the workspace's tend.toml declares that have no live task in its project, as one line
 * (`Declared in /src/shop/tend.toml, not running: db, web (up_project starts them).`); none without a file.
 */
async function notRunning(ctx: ToolContext): Promise<string[]> {
  const file = findProjectFile(ctx.workspace);
  if (file === undefined) return [];
  let loaded: ReturnType<typeof loadProjectFile>;
  try {
    loaded = loadProjectFile(file);
  } catch (error) {
    // A bad file: say so, the model may fix it.
    if (error instanceof ProjectFileError) return [`The project file is invalid: ${error.message}`];
    throw error;
  }
  const live = await (await ctx.tend()).list({
    project: loaded.project,
    state: [...LIVE_STATES],
    limit: 1000,
  });
  const running = new Set(live.map((task) => task.name));
  const idle = Object.keys(loaded.tasks).filter((name) => !running.has(name));
  if (idle.length === 0) return [];
  return [`Declared in ${loaded.file}, not running: ${idle.join(', ')} (up_project starts them).`];
}

async function portsByTask(ctx: ToolContext): Promise<Map<string, number[]>> {
  try {
    const stats = await (await ctx.tend()).stats();
    return new Map(stats.map((s) => [s.id, [...new Set(s.ports.map((p) => p.port))].sort((a, b) => a - b)]));
  } catch {
    return new Map();
  }
}

/** The list_tasks tool. */
export function taskListTool(_setup: ToolSetup) {
  return defineTool({
    name: 'list_tasks',
    title: 'List background tasks',
    description:
      'List the background tasks this session started (or all tasks with all_sessions: true), newest first, with ' +
      'their id, name, state, exit code, run time and the TCP ports live ones listen on. Use it to find a task ' +
      'after a restart or context compaction, to see whether a dev server is already running before starting one, ' +
      'or to get an id for read_output, wait_task or stop_task. When the workspace has a tend.toml, it also names ' +
      'the tasks declared there that are not running (up_project starts them).',
    inputSchema: taskListSchema,
    outputSchema: TaskListOutputSchema,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: taskList,
  });
}
