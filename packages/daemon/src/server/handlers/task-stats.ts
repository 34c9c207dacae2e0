import { isTerminal, TaskStats } from '@tend/protocol';
import { resolveTask } from '../../tasks/ids.js';
import { taskStats } from '../../tasks/stats.js';
import { defineHandler } from '../handler.js';

export const taskStatsHandler = defineHandler(TaskStats, async (params, { supervisor }) => {
  const rows = params.ids
    ? params.ids.map((ref) => resolveTask(supervisor.store, ref))
    : supervisor.store.live();
  return { stats: await taskStats(rows.filter((row) => !isTerminal(row.state))) };
});
