import { z } from 'zod';
import { defineRequest } from '../method.js';
import { TaskStateSchema } from '../task.js';

export const DaemonStatus = defineRequest({
  method: 'daemon/status',
  summary: 'Facts about the running daemon: identity, uptime, tasks by state, connected clients, file locations.',
  params: z.object({}).strict(),
  result: z.object({
    pid: z.number().int(),
    version: z.string(),
    protocolVersion: z.number().int(),
    socket: z.string(),
    startedAt: z.string(),
    uptimeMs: z.number().int(),
    tasks: z.partialRecord(TaskStateSchema, z.number().int()).describe('count of tasks in each state (states with none omitted)'),
    clients: z.number().int().describe('connections open now, this one included'),
    stateDir: z.string(),
    logPath: z.string().describe("the daemon's own log"),
  }),
  errors: [],
});
