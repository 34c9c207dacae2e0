import { TaskWait } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskWait = defineHandler(TaskWait, (params, { supervisor, signal }) =>
  supervisor.wait(params.id, params.timeoutMs, signal),
);
