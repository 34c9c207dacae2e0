import * as z from 'zod';
import { MAX_OUTPUT_LIMIT, MAX_PATTERN_CHARS, MAX_TASK_REF_CHARS, MIN_MAX_BYTES } from '@tend/protocol/wire';
import { MAX_TOOL_WAIT_MS, type ToolContext, type ToolText } from './context.js';
import { patternProblem } from '@tend/protocol/pattern';
import { ToolInputError } from './errors.js';
import { bytes, quoteOutput, taskStatus } from './format.js';
import { TaskOutputOutputSchema } from './output-schemas.js';
import { defineTool, type ToolSetup } from './tool.js';

/** Default size of what read_output returns, in bytes: a few hundred lines, a small share of a model's context. */
export const DEFAULT_READ_MAX_BYTES = 8 * 1024;
/** Largest size a model may ask for, in bytes. */
export const MAX_READ_MAX_BYTES = 64 * 1024;

export const taskOutputSchema = z.object({
  id: z.string().min(1).max(MAX_TASK_REF_CHARS).describe('task id, unique id prefix, or name'),
  max_bytes: z
    .number()
    .int()
    .min(MIN_MAX_BYTES)
    .max(MAX_READ_MAX_BYTES)
    .default(DEFAULT_READ_MAX_BYTES)
    .describe(
      'most bytes returned; when there is more, the first and last parts are kept and the middle is omitted',
    ),
  clean: z
    .boolean()
    .default(true)
    .describe('remove ANSI colour codes and keep only the final state of progress bars redrawn with \\r'),
  grep: z
    .string()
    .min(1)
    .max(MAX_PATTERN_CHARS)
    .optional()
    .describe(
      'RE2 regular expression (no backreferences or lookaround): keep only matching lines (e.g. "error|warn")',
    ),
  context: z
    .number()
    .int()
    .min(0)
    .max(50)
    .optional()
    .describe('with grep: lines kept before and after each match'),
  ignore_case: z.boolean().optional().describe('with grep: match case-insensitively'),
  tail_lines: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .describe('read the last N lines instead of what is new (does not move your read position)'),
  from_start: z
    .boolean()
    .optional()
    .describe(
      'read from the beginning of the output instead of what is new (does not move your read position)',
    ),
  wait_ms: z
    .number()
    .int()
    .min(0)
    .max(MAX_TOOL_WAIT_MS)
    .optional()
    .describe('when there is nothing new yet and the task runs, wait up to this many ms for output'),
});

export type TaskOutputInput = z.output<typeof taskOutputSchema>;

/**
 * read_output: by default the output the session's reader has not read yet
 * (task/output `since: "last"`, which moves the reader's durable cursor), else the
 * last lines or everything from the start; model-sized (`maxBytes`, head and tail
 * kept), cleaned and grepped as asked. Says which bytes it covers, how many were
 * omitted or dropped, and whether the task still runs. Structured: the task/output result and the task.
 * @throws the client's task_not_found / ambiguous_id, ToolInputError.
 */
export async function taskOutput(input: TaskOutputInput, ctx: ToolContext): Promise<ToolText> {
  if (input.tail_lines !== undefined && input.from_start)
    throw new ToolInputError('give tail_lines or from_start, not both');
  if (input.grep !== undefined) {
    const problem = patternProblem(input.grep);
    if (problem !== undefined)
      throw new ToolInputError(`grep: pattern ${JSON.stringify(input.grep)} is refused: ${problem}`);
  }
  const tend = await ctx.tend();
  const task = await tend.get(input.id);
  const incremental = input.tail_lines === undefined && !input.from_start;
  const selection = incremental
    ? { since: 'last' as const, reader: ctx.reader, ...(input.wait_ms ? { waitMs: input.wait_ms } : {}) }
    : input.tail_lines !== undefined
      ? { tail: { lines: input.tail_lines }, limit: MAX_OUTPUT_LIMIT }
      : { offset: 0 };
  const grep =
    input.grep === undefined
      ? {}
      : {
          grep: { pattern: input.grep, context: input.context ?? 0, ignoreCase: input.ignore_case ?? false },
        };
  const result = await tend.output({
    id: task.id,
    ...selection,
    maxBytes: input.max_bytes,
    clean: input.clean,
    ...grep,
  });
  // The state after the read: a long poll may have seen the task end.
  const now = result.ended && !task.endedAt ? await tend.get(task.id) : task;

  const what = incremental
    ? 'New output since your last read'
    : input.tail_lines !== undefined
      ? `Last ${input.tail_lines} lines`
      : 'Output from the start';
  const lines = [`${taskStatus(now)}.`];
  if (result.data === '') {
    const none = input.grep !== undefined ? `no line matched /${input.grep}/` : 'nothing';
    lines.push(
      `${what}: ${none} (the log holds ${bytes(result.totalBytes)}).` +
        (result.ended ? ' The task has ended: its output is complete.' : ''),
    );
  } else {
    const span = `bytes ${result.offset}–${result.nextOffset} of ${result.totalBytes}`;
    const matches =
      result.matches !== undefined
        ? `, ${result.matches} matching line${result.matches === 1 ? '' : 's'}`
        : '';
    lines.push(`${what} (${span}${matches}):`, quoteOutput(result.data));
  }
  if (result.omittedBytes > 0) {
    lines.push(
      `${bytes(result.omittedBytes)} were left out to stay within max_bytes (${bytes(input.max_bytes)}): ` +
        'use grep to find something specific, tail_lines for the end, or a larger max_bytes.',
    );
  }
  if (result.skippedBytes > 0)
    lines.push(`${bytes(result.skippedBytes)} had already been dropped by the output cap before this read.`);
  if (result.truncated) lines.push('There is more output after this: call read_output again.');
  if (!result.ended && incremental)
    lines.push('The task is still running: later calls return only what it prints next.');
  return { text: lines.join('\n'), structured: { ...result, task: now } };
}

/** The read_output tool. */
export function taskOutputTool(_setup: ToolSetup) {
  return defineTool({
    name: 'read_output',
    title: 'Read task output',
    description:
      "Read a background task's output (stdout and stderr together). By default it returns only what is new since " +
      'your last read_output of that task, so calling it repeatedly follows the output without rereading it; your ' +
      'read position survives restarts. Results are bounded (max_bytes, default 8 KiB: the first and last parts are ' +
      'kept) and cleaned of colour codes. Use grep to look for errors in long output, tail_lines for the end, ' +
      'from_start to reread everything, wait_ms to wait briefly for new output. Says whether the task still runs.',
    inputSchema: taskOutputSchema,
    outputSchema: TaskOutputOutputSchema,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: taskOutput,
  });
}
