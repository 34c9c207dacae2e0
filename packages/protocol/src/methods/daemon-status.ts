import * as z from 'zod';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { TaskStateSchema } from '../task.js';

export const DaemonStatus = defineRequest({
  method: REQUEST_NAMES.DaemonStatus,
  summary:
    'Facts about the running daemon: identity, uptime, tasks by state, connected clients, file locations, and ' +
    'whether its tasks would die at logout (systemd user unit or KillUserProcesses without linger).',
  params: () => z.object({}).strict(),
  result: () =>
    z.object({
      pid: z.number().int(),
      version: z.string(),
      protocolVersion: z.number().int(),
      socket: z.string(),
      startedAt: z.string(),
      uptimeMs: z.number().int(),
      tasks: z
        .partialRecord(TaskStateSchema(), z.number().int())
        .describe('count of tasks in each state (states with none omitted)'),
      clients: z.number().int().describe('connections open now, this one included'),
      stateDir: z.string(),
      logPath: z.string().describe("the daemon's own log"),
      systemd: z.boolean().describe('systemd started the daemon ($INVOCATION_ID set)'),
      unit: z.string().optional().describe('the systemd unit or scope the daemon runs in, from its cgroup'),
      linger: z.boolean().describe("logind keeps the user's processes after logout (loginctl enable-linger)"),
      containment: z
        .object({
          mode: z
            .enum(['cgroup', 'marker'])
            .describe(
              'how new tasks are contained: each in its own cgroup v2, or by process group and marker',
            ),
          cgroupRoot: z
            .string()
            .optional()
            .describe('mode "cgroup": the cgroup v2 directory each task gets its cgroup `task-<id>` under'),
          reason: z.string().optional().describe('mode "marker": why no cgroup is used'),
        })
        .describe('containment of new tasks (config `containment`, `cgroupRoot`)'),
      warnings: z
        .array(z.string())
        .describe('what would end the tasks (e.g. logout without linger) and how to prevent it'),
    }),
  errors: [],
});
