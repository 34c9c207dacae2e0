import { isTerminal, type ParsedParamsOf, type ProjectDown, type Task } from '@tend/protocol';
import type { TaskRow } from '../store/task-store.js';
import { withDependants } from './project-graph.js';
import type { TaskSupervisor } from './supervisor.js';
import { toTask } from './task-view.js';

/**
 * project/down (docs/protocol.md): stops the project's live tasks named in `names` (default: all live ones)
 * and the live tasks depending on them (per `dependsOn`), dependants first: each round stops, at once, every
 * target that no remaining target depends on, and waits for their ends before the next round.
 * @returns the tasks stopped, in the order they were stopped.
 */
export async function projectDown(
  supervisor: TaskSupervisor,
  params: ParsedParamsOf<typeof ProjectDown>,
): Promise<{ tasks: Task[] }> {
  const { store } = supervisor;
  const live = new Map<string, TaskRow>();
  for (const row of store.list({ project: params.project, limit: 10_000 })) {
    if (row.name !== undefined && !isTerminal(row.state) && !live.has(row.name)) live.set(row.name, row);
  }
  const graph = params.dependsOn;
  const targets = withDependants(graph, params.names ?? live.keys());
  const remaining = new Set([...targets].filter((name) => live.has(name)));
  const stopped: Task[] = [];
  while (remaining.size > 0) {
    // Targets no remaining target depends on; a cycle (never started by up) falls back to all of them.
    let round = [...remaining].filter(
      (name) => ![...remaining].some((other) => other !== name && name in (graph[other] ?? {})),
    );
    if (round.length === 0) round = [...remaining];
    const ends = await Promise.all(
      round.map(async (name) => {
        const id = (live.get(name) as TaskRow).id;
        // A task that ended meanwhile (not_running) is simply listed as it ended.
        await supervisor.kill(id, 'SIGTERM', params.graceMs, { wait: true }).catch(() => undefined);
        return toTask(store.get(id) as TaskRow);
      }),
    );
    for (const name of round) remaining.delete(name);
    stopped.push(...ends);
  }
  return { tasks: stopped };
}
