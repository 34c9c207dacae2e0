import * as z from 'zod';
import { AbsolutePathSchema } from '../field-limits.js';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { TaskSchema } from '../task.js';
import { DependencyConditionSchema } from './project-up.js';
import { TaskNameSchema } from './task-run.js';

export const ProjectDown = defineRequest({
  method: REQUEST_NAMES.ProjectDown,
  summary:
    "Stops the project's live tasks named in `names` (default: all of them) and every live task that depends " +
    'on them, in reverse dependency order: a task is sent SIGTERM (SIGKILL after `graceMs`) only once every ' +
    'task depending on it has ended. Answers once they have all ended.',
  params: () =>
    z
      .object({
        project: AbsolutePathSchema().describe("the project's root: the absolute directory of its tend.toml"),
        dependsOn: z
          .record(TaskNameSchema(), z.record(TaskNameSchema(), DependencyConditionSchema()))
          .default({})
          .describe("each task's dependencies as the project file declares them (the order comes from them)"),
        names: z
          .array(TaskNameSchema())
          .optional()
          .describe('the tasks to stop; default: every live task of the project'),
        graceMs: z
          .number()
          .int()
          .min(0)
          .max(3_600_000)
          .default(10_000)
          .describe('ms between SIGTERM and SIGKILL for each task'),
      })
      .strict(),
  result: () =>
    z.object({
      tasks: z.array(TaskSchema()).describe('the tasks stopped, in the order they were stopped'),
    }),
  errors: [],
});
