import { z } from 'zod';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { DEFAULT_KILL_GRACE_MS, MAX_KILL_GRACE_MS } from '../limits.js';
import { SignalNameSchema, TaskSchema } from '../task.js';
import { TaskRefSchema } from './task-get.js';

export const TaskKill = defineRequest({
  method: REQUEST_NAMES.TaskKill,
  summary:
    "Signals the task's whole process group. With a terminating signal (SIGTERM, the default, SIGINT, SIGHUP, " +
    'SIGQUIT, SIGKILL) the intent is recorded first (state stopping, reason "killed by user"), and SIGKILL follows ' +
    'after graceMs if the task is still alive; the task ends `killed`. Any other signal is only delivered.',
  params: z
    .object({
      id: TaskRefSchema,
      signal: SignalNameSchema.default('SIGTERM'),
      graceMs: z.number().int().min(0).max(MAX_KILL_GRACE_MS).default(DEFAULT_KILL_GRACE_MS),
    })
    .strict(),
  result: TaskSchema,
  errors: ['task_not_found', 'ambiguous_id', 'not_running'],
});
