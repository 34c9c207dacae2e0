import { TaskRestart } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskRestart = defineHandler(TaskRestart, (params, { supervisor }) =>
  supervisor.restart(params.task, params.graceMs),
);
