import { TaskKill, type SignalName } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskKill = defineHandler(TaskKill, (params, { supervisor, signal }) =>
  supervisor.kill(params.id, params.signal as SignalName, params.graceMs, {
    wait: params.wait,
    abort: signal,
  }),
);
