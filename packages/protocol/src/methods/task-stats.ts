import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { TaskRefSchema } from './task-get.js';

export const ListeningPortSchema = lazySchema(() =>
  z.object({
    port: z.number().int().describe('TCP port number'),
    address: z.string().describe('local address, e.g. 0.0.0.0, 127.0.0.1, ::'),
    family: z.enum(['tcp', 'tcp6']).describe('tcp: IPv4, tcp6: IPv6'),
    pid: z.number().int().describe('process of the group that holds the socket'),
  }),
);

export const TaskStatsSchema = lazySchema(() =>
  z.object({
    id: z.string().describe('task id'),
    pids: z
      .array(z.number().int())
      .describe("processes in the task's process group now (a tty task: with their descendants)"),
    cpuPercent: z
      .number()
      .describe('CPU use summed over the group, percent of one core (/proc utime + stime)'),
    rssBytes: z.number().int().describe('resident memory summed over the group, bytes'),
    ports: z.array(ListeningPortSchema()).describe('TCP ports the group listens on'),
  }),
);
export type TaskStats = z.infer<ReturnType<typeof TaskStatsSchema>>;

export const TaskStats = defineRequest({
  method: REQUEST_NAMES.TaskStats,
  summary:
    "Resources of live tasks, summed over each task's process group: CPU % and RSS (/proc/<pid>/stat), and the TCP ports " +
    'the group listens on (Linux: LISTEN sockets of /proc/net/tcp{,6} whose inodes are open in /proc/<pid>/fd). ' +
    'Without ids, every live task. Ended tasks have no stats and are left out.',
  params: () =>
    z
      .object({
        ids: z
          .array(TaskRefSchema())
          .max(1000)
          .optional()
          .describe('tasks to look at (default: every live task)'),
      })
      .strict(),
  result: () => z.object({ stats: z.array(TaskStatsSchema()) }),
  errors: ['task_not_found', 'ambiguous_id'],
});
