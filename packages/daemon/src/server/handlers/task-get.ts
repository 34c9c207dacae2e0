import { TaskGet } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskGet = defineHandler(TaskGet, (params, { supervisor }) =>
  supervisor.get(params.id, params.env),
);
