import { isAbsolute, resolve } from 'node:path';
import { callerEnvironment } from '@tend/client';
import * as z from 'zod';
import {
  MAX_DESCRIPTION_CHARS,
  DEFAULT_MAX_RESTARTS,
  DEFAULT_RESTART_BACKOFF_MS,
  DEFAULT_RESTART_WINDOW_MS,
  MAX_MAX_RESTARTS,
  MAX_PIDS_MAX,
  MAX_TIMEOUT_MS,
  MIN_MEMORY_MAX_BYTES,
  RESTART_POLICIES,
  TASK_LIFETIMES,
  TASK_NAME_PATTERN,
} from '@tend/protocol/wire';
import { conditionShape, untilOf } from './condition.js';
import { DEFAULT_TOOL_WAIT_MS, MAX_TOOL_WAIT_MS, type ToolContext, type ToolText } from './context.js';
import { ToolInputError } from './errors.js';
import { oneLine, taskLabel, taskState } from './format.js';
import { TaskRunOutputSchema } from './output-schemas.js';
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
    // Lifetime policies (issue 12): lifetime and ttl_ms.
    lifetime: z
      .enum(TASK_LIFETIMES)
      .optional()
      .describe(
        'default "session": the task is stopped about a minute (the daemon\'s sessionGraceMs) after no tend MCP ' +
          'server of this session (this workspace) is connected any more, i.e. once the agent has quit; right for ' +
          'dev servers, watchers and test runs of this conversation. "persistent": keeps running until it ends or ' +
          'is stopped, for services that must outlive the agent',
      ),
    ttl_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMEOUT_MS)
      .optional()
      .describe(
        'time to live: stop the task this many ms after its start, even while the agent is still there (it ends ' +
          'killed; timeout_ms is for work that should have finished and ends timed_out)',
      ),
    memory_max_bytes: z
      .number()
      .int()
      .min(MIN_MEMORY_MAX_BYTES)
      .optional()
      .describe(
        'cap the memory of the task and all its processes, in bytes (e.g. 2147483648 for 2 GiB); past it the OOM ' +
          'killer ends the task. Only where the tend daemon has cgroup containment with the memory controller; ' +
          'elsewhere the start fails and says why',
      ),
    pids_max: z
      .number()
      .int()
      .min(1)
      .max(MAX_PIDS_MAX)
      .optional()
      .describe(
        'cap how many processes and threads the task may have at once (e.g. 512; stops a fork bomb). Only where the ' +
          'tend daemon has cgroup containment with the pids controller; elsewhere the start fails and says why',
      ),
    kill_leftovers: z
      .boolean()
      .optional()
      .describe(
        'when the command ends, kill the processes it left running in the background (default true: nothing it ' +
          'started outlives it); false keeps them running, as `cmd &` would, and list_tasks shows them',
      ),
    // Agent hooks (issue 17): description, notify, trigger.
    description: z
      .string()
      .regex(/\S/, 'must not be blank')
      .max(MAX_DESCRIPTION_CHARS)
      .optional()
      .describe(
        'what the task is for, in a few words (e.g. "production build for the release"); list_tasks shows it',
      ),
    notify: z
      .boolean()
      .optional()
      .describe(
        'default true: when it ends, its end (exit status, last lines) is added to the conversation by the ' +
          "host's tend hooks (e.g. at the next prompt); false for tasks whose end does not matter (dev servers)",
      ),
    trigger: z
      .boolean()
      .optional()
      .describe(
        'default false. true: you are waiting for it — while it runs, stopping your turn waits for it, and ' +
          'its end continues your work (needs the Stop hook of tend: tend setup claude-code|codex --stop)',
      ),
    restart: z
      .object({
        policy: z
          .enum(RESTART_POLICIES)
          .describe(
            '"on-failure": run the command again when it fails (non-zero exit, a crash, timeout_ms); "always": also ' +
              'after it succeeded; "no": never. Never after stop_task',
          ),
        max_restarts: z
          .number()
          .int()
          .min(0)
          .max(MAX_MAX_RESTARTS)
          .optional()
          .describe(
            `give up (the task ends failed) after this many restarts within window_ms (default ${DEFAULT_MAX_RESTARTS})`,
          ),
        window_ms: z
          .number()
          .int()
          .min(0)
          .max(MAX_TIMEOUT_MS)
          .optional()
          .describe(
            `window in which restarts count towards max_restarts, in ms (default ${DEFAULT_RESTART_WINDOW_MS})`,
          ),
        backoff_ms: z
          .number()
          .int()
          .min(0)
          .max(MAX_TIMEOUT_MS)
          .optional()
          .describe(
            `delay before the first restart in ms, doubled for each further one, at most 30 s (default ${DEFAULT_RESTART_BACKOFF_MS})`,
          ),
      })
      .strict()
      .optional()
      .describe(
        'restart policy, for a server or watcher that must stay up: the same task (same id, output appended, ' +
          '"restarting" between runs) runs again after a short backoff, until the limit is reached',
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

/** task/run's `restart` from start_task's (snake_case) `restart`. */
function restartOf(input: NonNullable<TaskRunInput['restart']>) {
  return {
    policy: input.policy,
    ...(input.max_restarts !== undefined ? { maxRestarts: input.max_restarts } : {}),
    ...(input.window_ms !== undefined ? { windowMs: input.window_ms } : {}),
    ...(input.backoff_ms !== undefined ? { backoffMs: input.backoff_ms } : {}),
  };
}

/**
 * start_task: task/run with the workspace as default cwd, this server's
 * environment and umask laid over the daemon's (`callerEnvironment({ overDaemon: true })`; not to a remote host),
 * the session recorded by
 * the connection, lifetime `session` unless told otherwise ({@link MCP_DEFAULT_LIFETIME}), `ttl_ms` as ttlMs,
 * reuse on by default for named tasks, `restart` as task/run's (snake_case keys), and `killLeftovers` on by default (an agent does
 * not look for processes its command left running, and orphans outliving agents are the complaint users
 * make most: README, "Leftovers"); then, with wait_until,
 * one bounded task/wait. Answers with the task's id, name and state, whether it was
 * reused, and how the wait ended (with the last lines when it ended or timed out); structured: the task
 * (as the wait left it), `reused`, and the wait's report or error.
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
    // On a remote host the tasks get that daemon's environment: this machine's PATH and HOME mean nothing there.
    ...(ctx.remoteHost === undefined ? callerEnvironment({ overDaemon: true }) : {}),
    ...(input.env ? { env: input.env } : {}),
    ...(input.name !== undefined ? { name: input.name, reuse: input.reuse ?? true } : {}),
    ...(input.timeout_ms !== undefined ? { timeoutMs: input.timeout_ms } : {}),
    // MCP default: session (the server's session is its workspace's, so an agent restarted there keeps its tasks).
    lifetime: input.lifetime ?? MCP_DEFAULT_LIFETIME,
    ...(input.ttl_ms !== undefined ? { ttlMs: input.ttl_ms } : {}),
    ...(input.memory_max_bytes !== undefined ? { memoryMaxBytes: input.memory_max_bytes } : {}),
    ...(input.pids_max !== undefined ? { pidsMax: input.pids_max } : {}),
    // An agent never looks for processes its command left behind: end them with it unless told otherwise.
    killLeftovers: input.kill_leftovers ?? true,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.notify === false ? { notify: false } : {}),
    ...(input.trigger ? { trigger: true } : {}),
    ...(input.restart !== undefined ? { restart: restartOf(input.restart) } : {}),
  });
  const lines = [
    task.reused
      ? `Reused the live ${taskLabel(task)}: it already runs this command in ${task.cwd}, so no second copy was started. It is ${taskState(task)}.`
      : `Started ${taskLabel(task)}${task.description ? ` (${oneLine(task.description)})` : ''}: ${taskState(task)}, in ${task.cwd}.`,
  ];
  if (task.trigger)
    lines.push(
      'trigger: if you end your turn before it ends, the Stop hook (where tend setup installed it) waits for it and continues your work with its end.',
    );
  else if (task.notify === false)
    lines.push('notify false: hooks will not announce its end; check it with wait_task.');
  const structured: Record<string, unknown> = { task, reused: task.reused === true };
  if (wait) {
    // The task runs whatever the wait does: a failed wait must not read as a failed start (the model would start it again).
    try {
      const answer = await waitAndDescribe(
        tend,
        task,
        until ?? 'exit',
        wait.timeout_ms ?? DEFAULT_TOOL_WAIT_MS,
      );
      lines.push(answer.text);
      structured.wait = answer.report;
      structured.task = answer.task;
    } catch (error) {
      lines.push(`The task is running, but waiting for it failed: ${(error as Error).message}`);
      structured.waitError = (error as Error).message;
    }
  }
  const ends = lifetimeSentence(task, ctx.session);
  if (ends) lines.push(ends);
  lines.push(
    `Use id "${task.id}"${task.name ? ` or name "${task.name}"` : ''} with read_output, wait_task and stop_task.`,
  );
  return { text: lines.join('\n'), structured };
}

/**
 * Default lifetime of tasks started by the MCP server: `session`. Agents start dev servers and watchers and
 * quit without stopping them (issue 12: "dev servers hogging ports after the agent quit"); a session task
 * is stopped once its session has had no client for the daemon's grace. The server's session is its
 * workspace's (`mcp:<workspace>`, or $TEND_SESSION), the same after an agent or editor restart, the server
 * connects at start when a daemon runs (run-server.ts) and reconnects at once after a daemon restart, so a
 * restart within the grace keeps the tasks. The CLI's default stays `persistent`.
 */
export const MCP_DEFAULT_LIFETIME = 'session';

/** What the answer says about when tend will stop the task by itself; undefined for a persistent task without TTL. */
function lifetimeSentence(
  task: { lifetime?: string; expiresAt?: string },
  session: string,
): string | undefined {
  const parts: string[] = [];
  if (task.lifetime === 'session')
    parts.push(
      `about a minute after no client of session "${session}" is connected (pass lifetime "persistent" to keep it)`,
    );
  if (task.expiresAt !== undefined) parts.push(`when its TTL expires at ${task.expiresAt}`);
  return parts.length > 0 ? `tend stops it ${parts.join(', or ')}.` : undefined;
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
      'this conversation or the editor restarts (and reconnects within a minute), and its output is kept. Give a name to long-lived services: with a ' +
      'name, a live task already running the same command is reused instead of started twice. By default a task is ' +
      'stopped about a minute after the agent has quit (lifetime "session"); use lifetime "persistent" for ' +
      'services that must outlive it, ttl_ms to bound its life. Use wait_until to ' +
      'return once the task is ready (an output line, an open port, an answering URL) or finished (exit). ' +
      'Then read_output reads what it printed, wait_task waits for it, stop_task stops it.',
    inputSchema: taskRunSchema(setup.workspace),
    outputSchema: TaskRunOutputSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    run: taskRun,
  });
}
