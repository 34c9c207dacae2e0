import { isTerminal, TaskOutput } from '@tend/protocol';
import { resolveTask } from '../../tasks/ids.js';
import { readOutput } from '../../tasks/output.js';
import { defineHandler } from '../handler.js';

export const taskOutput = defineHandler(TaskOutput, async (params, { supervisor }) => {
  const row = resolveTask(supervisor.store, params.id);
  const ended = isTerminal(row.state);
  const chunk = await readOutput(row.logPath, { ...params, final: ended, floor: row.outputStart });
  return { ...chunk, ended };
});
