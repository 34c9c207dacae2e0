import { TaskRemove } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskRemove = defineHandler(TaskRemove, async (params, { supervisor }) => ({
  task: await supervisor.remove(params.id, params.force),
}));
