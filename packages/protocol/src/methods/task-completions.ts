import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { MAX_COMPLETIONS_LIMIT, MAX_SESSION_CHARS } from '../limits.js';
import { SignalNameSchema, TaskStateSchema } from '../task.js';

/** One task end, as the completion inbox keeps it. `seq` grows by one per end, daemon-wide. */
export const CompletionSchema = lazySchema(() =>
  z.object({
    seq: z.number().int().describe('sequence number of this end event; resume after it with `after`'),
    taskId: z.string().describe('id of the task that ended'),
    name: z.string().optional().describe('its name, if it had one'),
    description: z.string().optional().describe('what it was for (task/run description), if given'),
    command: z.string().describe('its shell command line'),
    cwd: z.string().describe('its absolute working directory'),
    session: z.string().optional().describe('session that started the task'),
    state: TaskStateSchema().describe('the terminal state'),
    exitCode: z.number().int().optional().describe('exit status, when the command exited by itself'),
    signal: SignalNameSchema().optional().describe('signal that ended the command'),
    reason: z.string().optional().describe('why tend ended it, or why its end is unknown'),
    durationMs: z.number().int().optional().describe('total run time, in ms'),
    endedAt: z.string().describe('ISO 8601 UTC'),
    tail: z
      .string()
      .describe(
        'the last lines of its output (at most 10 lines, 2 KiB), ANSI removed and \\r redraws collapsed',
      ),
    notify: z
      .literal(false)
      .optional()
      .describe(
        'present when the task was run with notify false: hooks and notifications leave this end out',
      ),
    trigger: z
      .literal(true)
      .optional()
      .describe(
        'present when the task was run with trigger: its end may continue a stopped agent (Stop hook)',
      ),
  }),
);
export type Completion = z.infer<ReturnType<typeof CompletionSchema>>;

export const TaskCompletions = defineRequest({
  method: REQUEST_NAMES.TaskCompletions,
  summary:
    'The completion inbox: task ends a session has not acknowledged yet, oldest first. Every end is kept with a ' +
    'sequence number in the database, so ends that happened while no client (or no daemon) was there are not ' +
    "missed. `session` defaults to the connection's; with no session at all, ends of every task are listed. " +
    '`ack: true` acknowledges what is returned, for that session. `after` lists every end after a sequence number, ' +
    'acknowledged or not (to resume after a reconnect).',
  params: () =>
    z
      .object({
        session: z
          .string()
          .min(1)
          .max(MAX_SESSION_CHARS)
          .optional()
          .describe(
            "whose inbox: ends of tasks this session started, and its acknowledgements (default: the connection's session)",
          ),
        after: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('only ends with seq greater than this; includes acknowledged ones'),
        ack: z.boolean().default(false).describe('acknowledge the ends returned, for this session'),
        notify: z
          .boolean()
          .optional()
          .describe(
            'true: only ends hooks report (tasks run with notify on, or with trigger); false: only the others',
          ),
        limit: z
          .number()
          .int()
          .min(1)
          .max(MAX_COMPLETIONS_LIMIT)
          .default(50)
          .describe('most completions returned'),
      })
      .strict(),
  result: () =>
    z.object({
      completions: z.array(CompletionSchema()),
      lastSeq: z.number().int().describe('highest seq the daemon has handed out so far (0 when none)'),
    }),
  errors: [],
});
