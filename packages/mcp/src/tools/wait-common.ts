import type { Task } from '@tend/client';
import { describeMet, describeUntil, type Until } from './condition.js';
import type { TendApi } from './context.js';
import type { WaitReport } from './output-schemas.js';
import { duration, lastLinesBlock, taskLabel, taskState, taskStatus } from './format.js';

/** Lines of output quoted after a task ended, and after a wait that ran out. */
export const ENDED_TAIL_LINES = 20;
export const TIMEOUT_TAIL_LINES = 10;
/** Most bytes of those lines, after ANSI removal. */
const TAIL_MAX_BYTES = 2048;

/**
 * The last `lines` lines of a task's output, ANSI removed and progress redraws
 * collapsed, at most 2 KiB (head and tail kept). Does not move any read cursor.
 */
export async function lastLines(api: TendApi, id: string, lines: number): Promise<string> {
  const { data } = await api.output({
    id,
    tail: { lines },
    clean: true,
    maxBytes: TAIL_MAX_BYTES,
    limit: 64 * 1024,
  });
  return data;
}

/** What {@link waitAndDescribe} answers: the text for the model, the facts for programs, and the task then. */
export interface WaitAnswer {
  text: string;
  report: WaitReport;
  task: Task;
}

/**
 * Waits (task/wait) until `until` holds or the task ends — `'exit'` waits for the end only —
 * for at most `timeoutMs`, and says in words what happened: the condition held, the task
 * ended (with its state and last lines), or the time ran out (not an error: the task keeps
 * running; with its last lines). The same facts come back as a {@link WaitReport}.
 * @throws the client's errors (task_not_found, connection lost for good…).
 */
export async function waitAndDescribe(
  api: TendApi,
  task: Task,
  until: Until | 'exit',
  timeoutMs: number,
): Promise<WaitAnswer> {
  const started = Date.now();
  const result = await api.wait(task.id, { timeoutMs, ...(until === 'exit' ? {} : { until }) });
  const waitedMs = Math.max(0, Date.now() - started);
  const waited = duration(waitedMs);
  const label = taskLabel(result.task);
  const report: WaitReport = {
    outcome: result.outcome,
    ...(result.match !== undefined ? { match: result.match } : {}),
    waitedMs,
  };
  if (result.outcome === 'exited') {
    const head =
      until === 'exit'
        ? `${label} ended: ${taskState(result.task)}.`
        : `${label} ended before ${describeUntil(until)}: ${taskState(result.task)}.`;
    const lastLinesText = await lastLines(api, result.task.id, ENDED_TAIL_LINES);
    return {
      text: `${head}\n${lastLinesBlock(lastLinesText)}`,
      report: { ...report, lastLines: lastLinesText },
      task: result.task,
    };
  }
  if (result.outcome === 'timeout') {
    const what = until === 'exit' ? 'its end' : describeUntil(until);
    const lastLinesText = await lastLines(api, result.task.id, TIMEOUT_TAIL_LINES);
    return {
      text:
        `Still waiting for ${what} after ${waited}: ${taskStatus(result.task)}. ` +
        'This is not an error: the task keeps running. Call wait_task again to keep waiting, or read_output to see what it is doing.\n' +
        lastLinesBlock(lastLinesText),
      report: { ...report, lastLines: lastLinesText },
      task: result.task,
    };
  }
  return {
    text: `Ready after ${waited}: ${describeMet(result, until as Until)}. ${taskStatus(result.task)}.`,
    report,
    task: result.task,
  };
}
