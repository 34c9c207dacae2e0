import type { TendClient } from '@tend/client';
import type { TaskStatsEntry } from '@tend/protocol/wire';
import { warn } from './output.js';

/** Stats of one live task as `ps --json` and `inspect` show them: task/stats' entry without its id. */
export type TaskStatsView = Omit<TaskStatsEntry, 'id'>;

/**
 * CPU %, RSS and listening ports of the live tasks `ids` (one task/stats call),
 * by task id. A task that ended meanwhile has no entry; one removed meanwhile
 * (task_not_found) makes it ask for every live task instead.
 * @returns the stats by id, or undefined when the daemon does not know
 *   task/stats (older daemon; method_not_found) or the call failed (a warning
 *   on stderr): the caller shows the tasks without them.
 */
export async function fetchStats(
  client: TendClient,
  ids: readonly string[],
): Promise<Map<string, TaskStatsView> | undefined> {
  if (ids.length === 0) return new Map();
  try {
    let stats: TaskStatsEntry[];
    try {
      stats = await client.stats([...ids]);
    } catch (err) {
      if (reasonOf(err) !== 'task_not_found') throw err;
      stats = await client.stats();
    }
    return new Map(stats.map(({ id, ...view }) => [id, view]));
  } catch (err) {
    if (reasonOf(err) !== 'method_not_found')
      warn(`no CPU, memory or port figures: ${(err as Error).message}`);
    return undefined;
  }
}

/** Distinct listening TCP port numbers, ascending (a port held for IPv4 and IPv6 counts once). */
export function portNumbers(stats: Pick<TaskStatsView, 'ports'>): number[] {
  return [...new Set(stats.ports.map((p) => p.port))].sort((a, b) => a - b);
}

function reasonOf(err: unknown): unknown {
  return (err as { reason?: unknown } | null)?.reason;
}
