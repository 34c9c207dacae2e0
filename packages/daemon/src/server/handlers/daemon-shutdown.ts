import { DaemonShutdown } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const daemonShutdown = defineHandler(DaemonShutdown, (params, { daemon }) => ({
  pid: daemon.pid,
  killedTasks: daemon.requestShutdown({
    killTasks: params.killTasks,
    graceMs: params.graceMs,
    restart: params.restart,
  }),
}));
