import { TaskKill, type SignalName } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskKill = defineHandler(TaskKill, (params, { supervisor }) =>
  supervisor.kill(params.id, params.signal as SignalName, params.graceMs),
);
