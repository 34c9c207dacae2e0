import * as z from 'zod';
import {
  DEFAULT_KILL_GRACE_MS,
  MAX_TASK_REF_CHARS,
  SIGNAL_NAMES,
  TERMINATING_SIGNALS,
  type SignalName,
  type StopProof,
  type Task,
} from '@tend/protocol/wire';
import { MAX_TOOL_WAIT_MS, type TendApi, type ToolContext, type ToolText } from './context.js';
import { isLive, lastLinesBlock, taskLabel, taskState, taskStatus } from './format.js';
import { TaskKillOutputSchema } from './output-schemas.js';
import { defineTool, type ToolSetup } from './tool.js';
import { ENDED_TAIL_LINES, lastLines } from './wait-common.js';

/** Default grace between SIGTERM and SIGKILL for stop_task, in ms: tend's one default (10 s, as `docker stop`). */
export const DEFAULT_STOP_GRACE_MS = DEFAULT_KILL_GRACE_MS;
/** Longest grace accepted, in ms: grace plus the end wait must stay below the tool-call bound. */
export const MAX_STOP_GRACE_MS = 30_000;
/** How long after the grace the tool still waits for the end to be recorded, in ms. */
const END_SLACK_MS = 5_000;

export const taskKillSchema = z.object({
  id: z.string().min(1).max(MAX_TASK_REF_CHARS).describe('task id, unique id prefix, or name'),
  signal: z
    .enum(SIGNAL_NAMES as [SignalName, ...SignalName[]])
    .default('SIGTERM')
    .describe(
      'signal sent to all processes of the task; SIGTERM, SIGINT, SIGHUP, SIGQUIT and SIGKILL stop it, others (e.g. SIGUSR1) are only delivered',
    ),
  grace_ms: z
    .number()
    .int()
    .min(0)
    .max(MAX_STOP_GRACE_MS)
    .default(DEFAULT_STOP_GRACE_MS)
    .describe(
      'after a stopping signal, send SIGKILL if it is still alive after this many ms (default 10000, as docker stop)',
    ),
});

export type TaskKillInput = z.output<typeof taskKillSchema>;

/**
 * stop_task: task/kill to the task's process group; for stopping signals, waits
 * (grace + 5 s at most) for the end and reports it with the last lines. A task that
 * has already ended is reported as such, not as an error. Structured: the task afterwards, whether a
 * signal was sent, the daemon's stop proof and the last lines.
 * @throws the client's task_not_found / ambiguous_id.
 */
export async function taskKill(input: TaskKillInput, ctx: ToolContext): Promise<ToolText> {
  const tend = await ctx.tend();
  const before = await tend.get(input.id);
  const terminating = (TERMINATING_SIGNALS as readonly string[]).includes(input.signal);
  if (!isLive(before) && terminating && before.leftovers?.running) return stopLeftovers(tend, before, input);
  const facts = { signal: input.signal };
  if (!isLive(before))
    return {
      text: `${taskLabel(before)} had already ended: ${taskState(before)}. Nothing was sent.`,
      structured: { ...facts, task: before, sent: false, ended: true },
    };
  let proof: StopProof | undefined;
  try {
    proof = (await tend.kill(before.id, { signal: input.signal, graceMs: input.grace_ms })).stop;
  } catch (error) {
    if ((error as { reason?: unknown }).reason !== 'not_running') throw error;
    return ended(tend, `${taskLabel(before)} ended before the signal reached it`, before.id, {
      ...facts,
      sent: false,
    });
  }
  if (!terminating) {
    const now = await tend.get(before.id);
    return {
      text: `Sent ${input.signal} to ${taskLabel(before)} (a signal that does not stop it in tend's view). Now: ${taskStatus(now)}.`,
      structured: { ...facts, task: now, sent: true, ended: !isLive(now) },
    };
  }
  // A daemon that proved the stop has already waited (grace + 5 s at most): only look, then.
  const { outcome } = await tend.wait(before.id, {
    timeoutMs: proof ? 0 : Math.min(MAX_TOOL_WAIT_MS, input.grace_ms + END_SLACK_MS),
  });
  if (outcome === 'timeout') {
    const now = await tend.get(before.id);
    return {
      text: `Sent ${input.signal} to ${taskLabel(now)}, but it has not ended yet: ${taskStatus(now)}. wait_task or list_tasks shows when it has.`,
      structured: { ...facts, task: now, sent: true, ended: false, ...(proof ? { stop: proof } : {}) },
    };
  }
  return ended(
    tend,
    `Stopped ${taskLabel(before)} with ${input.signal}`,
    before.id,
    { ...facts, sent: true, ...(proof ? { stop: proof } : {}) },
    proofNote(proof),
  );
}

/** ` 3 processes signalled, 0 left.` when the daemon proved the stop, else nothing. */
function proofNote(proof: StopProof | undefined): string {
  if (!proof) return '';
  const { signalled, remaining } = proof;
  return ` ${signalled} process${signalled === 1 ? '' : 'es'} signalled, ${remaining} left.`;
}

/** An ended task whose leftovers still run: the stop ends them (the task's status stays its command's). */
async function stopLeftovers(tend: TendApi, before: Task, input: TaskKillInput): Promise<ToolText> {
  const after = await tend.kill(before.id, { signal: input.signal, graceMs: input.grace_ms });
  const still = after.leftovers?.running
    ? ' Some are still running: list_tasks shows when they have ended.'
    : '';
  return {
    text: `${taskLabel(before)} had already ended (${taskState(before)}), but processes it left were still running: stopped them with ${input.signal}.${proofNote(after.stop)}${still}`,
    structured: {
      task: after,
      signal: input.signal,
      sent: true,
      ended: true,
      leftovers: true,
      ...(after.stop ? { stop: after.stop } : {}),
    },
  };
}

/** The answer about a task that has ended: its state, `note`, its last lines; structured: `facts` with the task and lines. */
async function ended(
  tend: TendApi,
  head: string,
  id: string,
  facts: Record<string, unknown>,
  note = '',
): Promise<ToolText> {
  const task = await tend.get(id);
  const tail = await lastLines(tend, id, ENDED_TAIL_LINES);
  return {
    text: `${head}: ${taskState(task)}.${note}\n${lastLinesBlock(tail)}`,
    structured: { ...facts, task, ended: !isLive(task), lastLines: tail },
  };
}

/** The stop_task tool. */
export function taskKillTool(_setup: ToolSetup) {
  return defineTool({
    name: 'stop_task',
    title: 'Stop a task',
    description:
      'Stop a background task: SIGTERM to all of its processes (the whole process group, children included), then ' +
      'SIGKILL if it is still alive after grace_ms. Returns how it ended, how many processes were signalled and ' +
      'how many are left (0: nothing of it runs any more), and its last lines. It also ends processes an ended task left running. Use it when a dev ' +
      'server or watcher is no longer needed, is stuck, or must be restarted with other settings (stop it, then ' +
      'start_task again). Another signal can be sent instead: SIGINT (as Ctrl-C does), or e.g. SIGUSR1 to a program that handles it.',
    inputSchema: taskKillSchema,
    outputSchema: TaskKillOutputSchema,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    run: taskKill,
  });
}
