import * as z from 'zod';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { MAX_KILL_GRACE_MS } from '../limits.js';
import { TaskSchema } from '../task.js';
import { TaskRefSchema } from './task-get.js';

export const TaskRestart = defineRequest({
  method: REQUEST_NAMES.TaskRestart,
  summary:
    'Runs a task again with its recorded command, cwd and environment (its capturedEnv, env, inheritEnv and ' +
    "umask), under the same id, as `docker restart` does: `restarts` grows by one and the new run's output is " +
    'appended to the same output.log. A live task is stopped first (SIGTERM, SIGCONT, SIGKILL after graceMs, as ' +
    '`task/kill` does; its reason says stopped by task/restart) and its next run starts as soon as it has ended; a ' +
    '`restarting` task starts its next run at once; an ended task is live again (what is left of its leftovers is ' +
    "SIGKILLed, its TTL counts from the new start, its restart policy's window starts empty). Each run has its own " +
    'wrapper, exit record, liveness FIFO and cgroup. Its restart policy is kept.',
  params: () =>
    z
      .object({
        task: TaskRefSchema(),
        graceMs: z
          .number()
          .int()
          .min(0)
          .max(MAX_KILL_GRACE_MS)
          .optional()
          .describe("for a live task: ms between SIGTERM and SIGKILL (default: the daemon's killGraceMs)"),
      })
      .strict(),
  result: () => TaskSchema(),
  errors: ['task_not_found', 'ambiguous_id', 'name_in_use', 'limit_exceeded', 'disk_full'],
});
