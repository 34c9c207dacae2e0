import * as z from 'zod';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { MAX_KILL_GRACE_MS } from '../limits.js';
import { TaskSchema } from '../task.js';
import { TaskRefSchema } from './task-get.js';

export const TaskRestart = defineRequest({
  method: REQUEST_NAMES.TaskRestart,
  summary:
    'Runs a task again with its recorded command, cwd and environment, under the same id (`restarts` + 1, its ' +
    'output appended to the same output.log), as `docker restart` does. A live task is stopped first (SIGTERM, ' +
    'SIGCONT, SIGKILL after graceMs) and its next run starts at once; a `restarting` task starts its next run at ' +
    'once; an ended task starts again (it is live again, and may not take a name a live task has meanwhile). ' +
    'Its restart policy is kept. Returns the task once its new process is running (or ended `failed` when it ' +
    'could not be started).',
  params: z
    .object({
      task: TaskRefSchema,
      graceMs: z
        .number()
        .int()
        .min(0)
        .max(MAX_KILL_GRACE_MS)
        .optional()
        .describe("for a live task: ms between SIGTERM and SIGKILL (default: the daemon's killGraceMs)"),
    })
    .strict(),
  result: TaskSchema,
  errors: ['task_not_found', 'ambiguous_id', 'name_in_use', 'limit_exceeded', 'disk_full'],
});
