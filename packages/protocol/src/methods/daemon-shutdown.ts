import { z } from 'zod';
import { defineRequest } from '../method.js';
import { DEFAULT_KILL_GRACE_MS, MAX_KILL_GRACE_MS } from '../limits.js';

export const DaemonShutdown = defineRequest({
  method: 'daemon/shutdown',
  summary:
    'Stops the daemon after replying. Tasks keep running and are adopted by the next daemon, unless killTasks is ' +
    'true: then every live task is stopped (SIGTERM, SIGKILL after the grace period) before the daemon exits.',
  params: z
    .object({
      killTasks: z.boolean().default(false),
      graceMs: z.number().int().min(0).max(MAX_KILL_GRACE_MS).default(DEFAULT_KILL_GRACE_MS).describe('with killTasks: ms between SIGTERM and SIGKILL'),
    })
    .strict(),
  result: z.object({ pid: z.number().int(), killedTasks: z.number().int() }),
  errors: [],
});
