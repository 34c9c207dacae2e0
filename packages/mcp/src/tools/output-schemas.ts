import * as z from 'zod';
import { CompletionSchema, ProjectUp, StopProofSchema, TaskOutput, TaskSchema } from '@tend/protocol';

// The `structuredContent` of each tool (MCP 2025-06-18 and later: a tool with an `outputSchema` answers with
// an object that conforms to it, beside the text a model reads). Built from the protocol's own schemas, so a
// program reads the same field names here as on the daemon's wire (docs/protocol.md): a task is a `Task`,
// an end is a `Completion`, a read is a `task/output` result. Every tool result is parsed through its schema
// before it is sent (unknown fields, such as task/get's `capturedEnvNames`, are dropped), so what a client
// validates against the declared JSON Schema always conforms.

/** How a wait of start_task (wait_until) or wait_task ended. */
export const WaitReportSchema = z.object({
  outcome: z
    .enum(['exited', 'timeout', 'output', 'port', 'http'])
    .describe(
      "task/wait's outcome: exited (the task ended), timeout (still running when the wait's bound passed), or the condition that held",
    ),
  match: z.string().optional().describe('with outcome output: the line that matched'),
  waitedMs: z.number().int().min(0).describe('how long the wait took, in ms'),
  lastLines: z
    .string()
    .optional()
    .describe('with outcome exited or timeout: the last lines of output (ANSI removed, at most 2 KiB)'),
});
export type WaitReport = z.infer<typeof WaitReportSchema>;

/** start_task: the task as started (or reused), and how the optional wait ended. */
export const TaskRunOutputSchema = z.object({
  task: TaskSchema().describe('the task as task/run returned it (state right after the start)'),
  reused: z.boolean().describe('true when a live task of that name running the same command was returned'),
  wait: WaitReportSchema.optional().describe('with wait_until: how the wait ended'),
  waitError: z
    .string()
    .optional()
    .describe('with wait_until: why the wait failed (the task keeps running all the same)'),
});

/** list_tasks: the tasks listed, newest first, with the TCP ports of live ones. */
export const TaskListOutputSchema = z.object({
  session: z.string().optional().describe('the session whose tasks are listed; absent with all_sessions'),
  tasks: z.array(
    TaskSchema().extend({
      ports: z
        .array(z.number().int())
        .optional()
        .describe('TCP ports its processes listen on (live tasks, when task/stats answered)'),
    }),
  ),
});

/** read_output: the task after the read, and the task/output result (`data` is the text quoted to the model). */
export const TaskOutputOutputSchema = TaskOutput.result.extend({
  task: TaskSchema().describe('the task after the read'),
});

/** wait_task: how the wait ended, and the task then. */
export const TaskWaitOutputSchema = WaitReportSchema.extend({
  task: TaskSchema().describe('the task when the wait ended'),
});

/** stop_task: what was sent, and the task afterwards. */
export const TaskKillOutputSchema = z.object({
  task: TaskSchema().describe('the task after the stop (or as it was, when nothing was sent)'),
  sent: z
    .boolean()
    .describe('a signal was sent (false: the task had already ended and nothing of it ran any more)'),
  signal: z.string().describe('the signal asked for'),
  ended: z.boolean().describe('the task has ended'),
  leftovers: z
    .boolean()
    .optional()
    .describe('true when the signal went to processes an ended task had left running'),
  stop: StopProofSchema().optional().describe("the daemon's proof of the stop: processes signalled and left"),
  lastLines: z.string().optional().describe('when the task has ended: its last lines of output'),
});

/** task_inbox: the ends returned, oldest first. */
export const TaskCompletionsOutputSchema = z.object({
  session: z.string().describe('the session whose inbox was read'),
  acknowledged: z.boolean().describe('the ends returned are now marked as seen'),
  completions: z.array(CompletionSchema()),
  more: z.boolean().describe('as many ends as `limit` came back: there may be more'),
});

/** up_project: project/up's result (docs/protocol.md): the project, whether all is ready, each task's outcome. */
export const ProjectUpOutputSchema = ProjectUp.result;
