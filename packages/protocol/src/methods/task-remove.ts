import * as z from 'zod';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { TaskSchema } from '../task.js';
import { TaskRefSchema } from './task-get.js';

export const TaskRemove = defineRequest({
  method: REQUEST_NAMES.TaskRemove,
  summary:
    'Deletes an ended task with every trace of it: its row, output folder (output log, exit record), inbox ' +
    'entries and read cursors. A live task is refused with task_live unless ' +
    'force is true, which kills it first (SIGKILL to the group) and waits for its end.',
  params: () => z.object({ id: TaskRefSchema(), force: z.boolean().default(false) }).strict(),
  result: () => z.object({ task: TaskSchema().describe('the task as it was when removed') }),
  errors: ['task_not_found', 'ambiguous_id', 'task_live', 'signal_failed'],
});
