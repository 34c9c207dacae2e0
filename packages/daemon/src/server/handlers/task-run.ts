import { TaskRun } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskRun = defineHandler(TaskRun, (params, { supervisor, connection }) =>
  supervisor.run({ ...params, ...(connection.session !== undefined ? { session: connection.session } : {}) }),
);
