import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { TERMINAL_STATES } from '../states.js';

/** An ended task state (succeeded, failed, killed, timed_out, lost). */
const EndedStateSchema = lazySchema(() =>
  z.enum(TERMINAL_STATES as unknown as ['succeeded', 'failed', 'killed', 'timed_out', 'lost']),
);

export const TaskPrune = defineRequest({
  method: REQUEST_NAMES.TaskPrune,
  summary:
    'Removes ended tasks (never live ones) with every trace of them: row, output folder, inbox entries, read ' +
    'cursors; like `docker container prune`. Without params, every ended task. `olderThanMs` keeps those that ' +
    'ended more recently; `state` keeps those in other states; `dryRun` only reports what would go. The daemon ' +
    'also does this by itself within the limits of config.json (keepEndedTasks, keepEndedDays).',
  params: () =>
    z
      .object({
        olderThanMs: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('only tasks that ended at least this many ms ago'),
        state: z
          .array(EndedStateSchema())
          .min(1)
          .optional()
          .describe('only tasks in any of these ended states'),
        dryRun: z.boolean().default(false).describe('report what would be removed, remove nothing'),
      })
      .strict(),
  result: () =>
    z.object({
      removed: z
        .array(z.string())
        .describe('ids of the tasks removed (or, dry, that would be), oldest end first'),
      count: z.number().int().describe('how many'),
      bytesFreed: z.number().int().describe('disk space their folders used, in bytes (as du counts)'),
      dryRun: z.boolean(),
    }),
  errors: [],
});
