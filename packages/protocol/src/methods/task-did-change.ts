import * as z from 'zod';
import { defineNotification } from '../method.js';
import { NOTIFICATION_NAMES } from '../method-names.js';
import { TaskSchema } from '../task.js';

export const TaskDidChange = defineNotification({
  method: NOTIFICATION_NAMES.TaskDidChange,
  summary:
    'Sent to every initialized connection when a task changes state (created, running, stopping, ended, removed).',
  params: () =>
    z.object({
      task: TaskSchema(),
      removed: z.boolean().optional().describe('true when the task was removed'),
    }),
});
