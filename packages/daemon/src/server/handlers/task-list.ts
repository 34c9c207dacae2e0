import { TaskList } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskList = defineHandler(TaskList, (params, { supervisor }) => ({
  tasks: supervisor.list(params),
}));
