import { TaskWait } from '@tend/protocol';
import { resolveTask } from '../../tasks/ids.js';
import { waitUntilReady } from '../../tasks/readiness.js';
import { toTask } from '../../tasks/task-view.js';
import { defineHandler } from '../handler.js';

export const taskWait = defineHandler(TaskWait, async (params, { supervisor, signal }) => {
  if (params.until === undefined || params.until.exit)
    return supervisor.wait(params.id, params.timeoutMs, signal);
  const row = resolveTask(supervisor.store, params.id);
  const ready = await waitUntilReady(supervisor, row, params.until, params.timeoutMs, signal);
  return { ...ready, task: toTask(supervisor.store.get(row.id) ?? row) };
});
