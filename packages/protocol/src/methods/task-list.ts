import * as z from 'zod';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { MAX_DESCRIPTION_CHARS, MAX_LIST_LIMIT, MAX_PATH_BYTES, MAX_SESSION_CHARS } from '../limits.js';
import { TaskSchema, TaskStateSchema } from '../task.js';

export const TaskList = defineRequest({
  method: REQUEST_NAMES.TaskList,
  summary:
    'Tasks, newest first, optionally filtered by state(s), exact name, project, session, workspace (cwd at or below a ' +
    'directory) and text search in name, command and description. Without `state` every task is listed, ended ones included.',
  params: () =>
    z
      .object({
        state: z.array(TaskStateSchema()).min(1).optional().describe('keep tasks in any of these states'),
        name: z.string().max(64).optional().describe('exact task name'),
        cwd: z
          .string()
          .max(MAX_PATH_BYTES)
          .optional()
          .describe('workspace root: tasks whose cwd is this directory or below it'),
        project: z
          .string()
          .max(MAX_PATH_BYTES)
          .optional()
          .describe('tasks of this project: the absolute directory of its tend.toml'),
        session: z
          .string()
          .max(MAX_SESSION_CHARS)
          .optional()
          .describe('tasks started by connections of this session'),
        search: z
          .string()
          .min(1)
          .max(MAX_DESCRIPTION_CHARS)
          .optional()
          .describe('text found (case-insensitively, ASCII letters) in the name, command or description'),
        limit: z.number().int().min(1).max(MAX_LIST_LIMIT).default(100).describe('most tasks returned'),
      })
      .strict(),
  result: () => z.object({ tasks: z.array(TaskSchema()) }),
  errors: [],
});
