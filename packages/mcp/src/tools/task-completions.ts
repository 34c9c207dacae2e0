import * as z from 'zod';
import type { Completion } from '@tend/protocol/wire';
import type { ToolContext, ToolText } from './context.js';
import { duration, oneLine, quoteOutput, taskState } from './format.js';
import { TaskCompletionsOutputSchema } from './output-schemas.js';
import { defineTool, type ToolSetup } from './tool.js';

export const taskCompletionsSchema = z.object({
  ack: z
    .boolean()
    .default(true)
    .describe('mark the ends returned as seen, so the next call does not list them again (false: only look)'),
  limit: z.number().int().min(1).max(100).default(20).describe('most ends returned, oldest first'),
});

export type TaskCompletionsInput = z.output<typeof taskCompletionsSchema>;

/**
 * task_inbox: task/completions of this session — ends not acknowledged yet, oldest
 * first, each with its terminal state, exit code or signal, run time and last lines —
 * acknowledged by default. Ends that happened while no agent (or no daemon) ran are
 * included: the daemon keeps them in its database. Structured: the session, the completions as the
 * daemon keeps them, whether they were acknowledged and whether there may be more.
 */
export async function taskCompletions(input: TaskCompletionsInput, ctx: ToolContext): Promise<ToolText> {
  const tend = await ctx.tend();
  const { completions } = await tend.completions({
    session: ctx.session,
    ack: input.ack,
    limit: input.limit,
  });
  const structured = {
    session: ctx.session,
    acknowledged: input.ack && completions.length > 0,
    completions,
    more: completions.length === input.limit,
  };
  if (completions.length === 0)
    return { text: `No task of this session (${ctx.session}) has ended since the last check.`, structured };
  const n = completions.length;
  const head =
    `${n} task end${n === 1 ? '' : 's'} not seen before, oldest first` +
    (input.ack ? ' (now marked as seen):' : ' (not marked as seen: they will be listed again):');
  const more = n === input.limit ? ['There may be more: call task_inbox again.'] : [];
  return { text: [head, ...completions.map(completionText), ...more].join('\n'), structured };
}

/** One end: `- k3j9x2 "tests": failed (exit code 1) after 12 s, ended 2026-…Z — npm test`, then its last lines. */
export function completionText(c: Completion): string {
  const state = taskState(c);
  const ago = duration(Math.max(0, Date.now() - Date.parse(c.endedAt)));
  const line = `- ${c.taskId}${c.name ? ` "${c.name}"` : ''}: ${state}, ended ${ago} ago — ${oneLine(c.command)}`;
  return c.tail.trim() === '' ? `${line}\n  (no output)` : `${line}\n${quoteOutput(c.tail)}`;
}

/** The task_inbox tool. */
export function taskCompletionsTool(setup: ToolSetup) {
  return defineTool({
    name: 'task_inbox',
    title: 'Check which tasks ended',
    description:
      'List the background tasks of this session that have ended since you last checked, with their exit status, ' +
      'run time and last lines of output, and mark them as seen. Call it at the start of a conversation, after a ' +
      'restart or context compaction, or now and then while you work, to learn which builds, tests or servers ' +
      `finished or crashed without waiting on each one. Session: ${setup.session}.`,
    inputSchema: taskCompletionsSchema,
    outputSchema: TaskCompletionsOutputSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: taskCompletions,
  });
}
