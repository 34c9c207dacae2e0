import { TaskPrune } from '@tend/protocol';
import { defineHandler } from '../handler.js';

export const taskPrune = defineHandler(TaskPrune, (params, { daemon }) => {
  const outcome = daemon.prune({
    olderThanMs: params.olderThanMs,
    states: params.state,
    dryRun: params.dryRun,
  });
  return {
    removed: outcome.removed,
    count: outcome.removed.length,
    bytesFreed: outcome.bytesFreed,
    dryRun: params.dryRun,
  };
});
