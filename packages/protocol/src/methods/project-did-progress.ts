import * as z from 'zod';
import { defineNotification } from '../method.js';
import { NOTIFICATION_NAMES } from '../method-names.js';
import { TaskSchema } from '../task.js';
import { PROJECT_TASK_STATES } from './project-up.js';

export const ProjectDidProgress = defineNotification({
  method: NOTIFICATION_NAMES.ProjectDidProgress,
  summary:
    'Sent to the connection that asked project/up, each time one of its tasks changes state: waiting (for its ' +
    'dependencies), started or reused, ready or succeeded, failed, timed_out or skipped.',
  params: () =>
    z.object({
      project: z.string(),
      name: z.string(),
      state: z.enum(PROJECT_TASK_STATES),
      task: TaskSchema().optional(),
      detail: z.string().optional().describe('what it waits for, or why it failed'),
    }),
});
