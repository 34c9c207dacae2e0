import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { defineRequest } from '../method.js';
import { MAX_TASK_REF_CHARS } from '../limits.js';
import { REQUEST_NAMES } from '../method-names.js';
import { TaskSchema } from '../task.js';

/**
 * How a task is addressed: its id, a unique prefix of it, or its name (the live
 * task of that name, else the newest one that had it).
 */
export const TaskRefSchema = lazySchema(() =>
  z
    .string()
    .min(1, 'must be a task id, id prefix or name')
    .max(MAX_TASK_REF_CHARS)
    .describe('task id, unique id prefix, or name'),
);

export const TaskGet = defineRequest({
  method: REQUEST_NAMES.TaskGet,
  summary:
    "One task, by id, unique id prefix or name, with the names of the variables captured from its caller's " +
    'environment (`capturedEnvNames`); their values only with `env: true` (they may hold secrets).',
  params: () =>
    z
      .object({
        id: TaskRefSchema(),
        env: z
          .boolean()
          .default(false)
          .describe("also return the captured environment's values (capturedEnv)"),
      })
      .strict(),
  result: () =>
    TaskSchema().extend({
      capturedEnvNames: z
        .array(z.string())
        .optional()
        .describe('names of the captured variables, sorted (present when captured)'),
      capturedEnv: z
        .record(z.string(), z.string())
        .optional()
        .describe('the captured variables with their values: only with env: true'),
    }),
  errors: ['task_not_found', 'ambiguous_id'],
});
