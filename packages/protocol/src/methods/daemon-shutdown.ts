import * as z from 'zod';
import { defineRequest } from '../method.js';
import { REQUEST_NAMES } from '../method-names.js';
import { DEFAULT_KILL_GRACE_MS, MAX_KILL_GRACE_MS } from '../limits.js';

export const DaemonShutdown = defineRequest({
  method: REQUEST_NAMES.DaemonShutdown,
  summary:
    'Stops the daemon after replying. Tasks keep running and are adopted by the next daemon, unless killTasks is ' +
    'true: then every live task is stopped (SIGTERM, SIGKILL after the grace period) before the daemon exits. ' +
    'Without `restart` this is a deliberate stop: the daemon leaves `stopped.json` (its pid) in the runtime ' +
    'directory and clients that lose their connection to it end instead of reconnecting (and auto-starting a new ' +
    'daemon); with `restart: true` (tend daemon restart) they reconnect to the next daemon and resume.',
  params: () =>
    z
      .object({
        killTasks: z.boolean().default(false),
        graceMs: z
          .number()
          .int()
          .min(0)
          .max(MAX_KILL_GRACE_MS)
          .default(DEFAULT_KILL_GRACE_MS)
          .describe('with killTasks: ms between SIGTERM and SIGKILL'),
        restart: z
          .boolean()
          .default(false)
          .describe('a new daemon follows at once: connected clients reconnect and resume instead of ending'),
      })
      .strict(),
  result: () => z.object({ pid: z.number().int(), killedTasks: z.number().int() }),
  errors: [],
});
