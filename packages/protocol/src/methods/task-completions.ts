import { z } from 'zod';
import { defineRequest } from '../method.js';
import { MAX_COMPLETIONS_LIMIT } from '../limits.js';
import { SignalNameSchema, TaskStateSchema } from '../task.js';

/** One task end, as the completion inbox keeps it. `seq` grows by one per end, daemon-wide. */
export const CompletionSchema = z.object({
  seq: z.number().int().describe('sequence number of this end event; resume after it with `after`'),
  taskId: z.string(),
  name: z.string().optional(),
  command: z.string(),
  cwd: z.string(),
  session: z.string().optional().describe('session that started the task'),
  state: TaskStateSchema.describe('the terminal state'),
  exitCode: z.number().int().optional(),
  signal: SignalNameSchema.optional(),
  reason: z.string().optional(),
  durationMs: z.number().int().optional(),
  endedAt: z.string().describe('ISO 8601 UTC'),
  tail: z.string().describe('the last lines of its output (at most 10 lines, 2 KiB), ANSI removed'),
});
export type Completion = z.infer<typeof CompletionSchema>;

export const TaskCompletions = defineRequest({
  method: 'task/completions',
  summary:
    'The completion inbox: task ends a session has not acknowledged yet, oldest first. Every end is kept with a ' +
    'sequence number in the database, so ends that happened while no client (or no daemon) was there are not ' +
    "missed. `session` defaults to the connection's; with no session at all, ends of every task are listed. " +
    '`ack: true` acknowledges what is returned, for that session. `after` lists every end after a sequence number, ' +
    'acknowledged or not (to resume after a reconnect).',
  params: z
    .object({
      session: z.string().min(1).max(200).optional(),
      after: z.number().int().min(0).optional().describe('only ends with seq greater than this; includes acknowledged ones'),
      ack: z.boolean().default(false).describe('acknowledge the ends returned, for this session'),
      limit: z.number().int().min(1).max(MAX_COMPLETIONS_LIMIT).default(50),
    })
    .strict(),
  result: z.object({
    completions: z.array(CompletionSchema),
    lastSeq: z.number().int().describe('highest seq the daemon has handed out so far (0 when none)'),
  }),
  errors: [],
});
