import { z } from 'zod';
import { defineRequest } from '../method.js';
import { TaskSchema } from '../task.js';
import { TaskRefSchema } from './task-get.js';

export const TaskWait = defineRequest({
  method: 'task/wait',
  summary:
    'Waits until the task ends or timeoutMs passes, and says which in `outcome`. Without timeoutMs it waits ' +
    'as long as the task runs. A task that has already ended answers at once.',
  params: z
    .object({
      id: TaskRefSchema,
      timeoutMs: z.number().int().min(0, 'must be 0 or more ms').optional().describe('longest wait, in ms; 0 only looks'),
    })
    .strict(),
  result: z.object({
    outcome: z.enum(['exited', 'timeout']).describe('exited: the task ended; timeout: timeoutMs passed first'),
    task: TaskSchema,
  }),
  errors: ['task_not_found', 'ambiguous_id'],
});
