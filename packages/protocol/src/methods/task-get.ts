import { z } from 'zod';
import { defineRequest } from '../method.js';
import { TaskSchema } from '../task.js';

/**
 * How a task is addressed: its id, a unique prefix of it, or its name (the live
 * task of that name, else the newest one that had it).
 */
export const TaskRefSchema = z
  .string()
  .min(1, 'must be a task id, id prefix or name')
  .max(200)
  .describe('task id, unique id prefix, or name');

export const TaskGet = defineRequest({
  method: 'task/get',
  summary: 'One task, by id, unique id prefix or name.',
  params: z.object({ id: TaskRefSchema }).strict(),
  result: TaskSchema,
  errors: ['task_not_found', 'ambiguous_id'],
});
