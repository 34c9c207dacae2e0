import { isAbsolute, resolve } from 'node:path';
import { callerEnvironment } from '@tend/client';
import { z } from 'zod';
import { MAX_TIMEOUT_MS, TASK_NAME_PATTERN } from '@tend/protocol/wire';
import { conditionShape, untilOf } from './condition.js';
import { DEFAULT_TOOL_WAIT_MS, MAX_TOOL_WAIT_MS, type ToolContext, type ToolText } from './context.js';
import { ToolInputError } from './errors.js';
import { taskLabel, taskState } from './format.js';
import { defineTool, type ToolSetup } from './tool.js';
import { waitAndDescribe } from './wait-common.js';

/** Input of start_task; descriptions mention the workspace, which is the default cwd. */
export function taskRunSchema(workspace: string) {
  return z.object({
    command: z
      .string()
      .regex(/\S/, 'must be a non-empty shell command')
      .describe('shell command line, run with $SHELL -c (e.g. "npm run dev")'),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe(
        `working directory: absolute, or relative to the workspace; default the workspace (${workspace})`,
      ),
    env: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        "environment variables to set for the task, over this server's environment (itself over the tend daemon's)",
      ),
    name: z
      .string()
      .regex(
        TASK_NAME_PATTERN,
        'must start with a letter or digit and hold only letters, digits, ".", "_" or "-" (at most 64)',
      )
      .optional()
      .describe('a name to address the task by (unique among live tasks), e.g. "web" or "tests"'),
    reuse: z
      .boolean()
      .optional()
      .describe(
        'with name (default true then): if a live task of that name runs the same command in the same cwd, return it ' +
          'instead of starting a duplicate; false: fail when the name is taken',
      ),
    timeout_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMEOUT_MS)
      .optional()
      .describe('deadline of the task itself: stop it after this many ms (not a bound on this call)'),
    kill_leftovers: z
      .boolean()
      .optional()
      .describe(
        'when the command ends, kill the processes it left running in the background (default true: nothing it ' +
          'started outlives it); false keeps them running, as `cmd &` would, and list_tasks shows them',
      ),
    wait_until: z
      .object({
        ...conditionShape,
        exit: z
          .literal(true)
          .optional()
          .describe('wait for the command to finish (a build or test run), up to timeout_ms'),
        timeout_ms: z
          .number()
          .int()
          .min(0)
          .max(MAX_TOOL_WAIT_MS)
          .optional()
          .describe(
            `longest wait in ms (default ${DEFAULT_TOOL_WAIT_MS}, at most ${MAX_TOOL_WAIT_MS}); the task keeps running after it`,
          ),
      })
      .strict()
      .optional()
      .describe(
        'wait before answering until one of output, port, http or exit holds (or the task ends, or the wait times out)',
      ),
  });
}

export type TaskRunInput = z.output<ReturnType<typeof taskRunSchema>>;

/**
 * start_task: task/run with the workspace as default cwd, this server's
 * environment and umask laid over the daemon's (`callerEnvironment({ overDaemon: true })`), the session recorded by
 * the connection, reuse on by default for named tasks, and `killLeftovers` on by default (an agent does
 * not look for processes its command left running, and orphans outliving agents are the complaint users
 * make most: README, "Leftovers"); then, with wait_until,
 * one bounded task/wait. Answers with the task's id, name and state, whether it was
 * reused, and how the wait ended (with the last lines when it ended or timed out).
 * @throws the client's errors (invalid_cwd, name_in_use, …), ToolInputError.
 */
export async function taskRun(input: TaskRunInput, ctx: ToolContext): Promise<ToolText> {
  const wait = input.wait_until;
  const until = wait ? untilOf(wait) : undefined;
  if (wait && until && wait.exit)
    throw new ToolInputError('wait_until: give one of output, port, http or exit, not several');
  if (wait && !until && !wait.exit)
    throw new ToolInputError('wait_until needs one of output, port, http or exit');
  const cwd =
    input.cwd === undefined
      ? ctx.workspace
      : isAbsolute(input.cwd)
        ? input.cwd
        : resolve(ctx.workspace, input.cwd);
  const tend = await ctx.tend();
  const task = await tend.run({
    command: input.command,
    cwd,
    // This server's environment (what the agent's host gave it) over the daemon's, then the tool's env.
    ...callerEnvironment({ overDaemon: true }),
    ...(input.env ? { env: input.env } : {}),
    ...(input.name !== undefined ? { name: input.name, reuse: input.reuse ?? true } : {}),
    ...(input.timeout_ms !== undefined ? { timeoutMs: input.timeout_ms } : {}),
    // An agent never looks for processes its command left behind: end them with it unless told otherwise.
    killLeftovers: input.kill_leftovers ?? true,
  });
  const lines = [
    task.reused
      ? `Reused the live ${taskLabel(task)}: it already runs this command in ${task.cwd}, so no second copy was started. It is ${taskState(task)}.`
      : `Started ${taskLabel(task)}: ${taskState(task)}, in ${task.cwd}.`,
  ];
  if (wait) {
    // The task runs whatever the wait does: a failed wait must not read as a failed start (the model would start it again).
    try {
      lines.push(await waitAndDescribe(tend, task, until ?? 'exit', wait.timeout_ms ?? DEFAULT_TOOL_WAIT_MS));
    } catch (error) {
      lines.push(`The task is running, but waiting for it failed: ${(error as Error).message}`);
    }
  }
  lines.push(
    `Use id "${task.id}"${task.name ? ` or name "${task.name}"` : ''} with read_output, wait_task and stop_task.`,
  );
  return { text: lines.join('\n') };
}

/** The start_task tool. */
export function taskRunTool(setup: ToolSetup) {
  return defineTool({
    name: 'start_task',
    title: 'Start a background task',
    description:
      'Start a shell command as a background task supervised by the tend daemon, and return at once (or after an ' +
      'optional bounded wait). Use it instead of running a command in the foreground whenever the command is long ' +
      'or never ends: dev servers, watchers, test suites, builds, database containers. The task keeps running when ' +
      'this conversation or the editor restarts, and its output is kept. Give a name to long-lived services: with a ' +
      'name, a live task already running the same command is reused instead of started twice. Use wait_until to ' +
      'return once the task is ready (an output line, an open port, an answering URL) or finished (exit). ' +
      'Then read_output reads what it printed, wait_task waits for it, stop_task stops it.',
    inputSchema: taskRunSchema(setup.workspace),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    run: taskRun,
  });
}
