import { setTimeout as sleep } from 'node:timers/promises';
import {
  compilePattern,
  isTerminal,
  type LineMatcher,
  MAX_OUTPUT_LIMIT,
  MAX_TIMER_DELAY_MS,
  type ParsedParamsOf,
  type TaskWait,
} from '@tend/protocol';
import type { TaskRow } from '../store/task-store.js';
import { waitForGrowth } from './log-watcher.js';
import { cleanText } from './output-filter.js';
import { readLogSelection } from './output.js';
import { taskStats } from './stats.js';
import type { TaskSupervisor } from './supervisor.js';

/** Period of port and HTTP checks, in ms. */
export const READY_POLL_MS = 100;
/** Longest single HTTP probe, in ms. */
const HTTP_PROBE_TIMEOUT_MS = 1_000;

type Until = NonNullable<ParsedParamsOf<typeof TaskWait>['until']>;

/** How a readiness wait ended. */
export interface ReadyOutcome {
  outcome: 'exited' | 'timeout' | 'output' | 'port' | 'http';
  /** The matching line, for `output`. */
  match?: string;
}

/**
 * Waits in the daemon — the client only waits for the reply — until `until`
 * holds, the task ends, `timeoutMs` passes or `signal` aborts. `output`
 * scans the whole log line by line (ANSI removed before matching; RE2
 * semantics, linear time), then
 * follows it as it grows; a match found in the log of a task that has ended
 * still counts. `port` and `http` are checked every {@link READY_POLL_MS}.
 */
export async function waitUntilReady(
  supervisor: TaskSupervisor,
  row: TaskRow,
  until: Until,
  timeoutMs: number | undefined,
  signal?: AbortSignal,
): Promise<ReadyOutcome> {
  const done = new AbortController();
  const stop = () => done.abort();
  signal?.addEventListener('abort', stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    // Look once before the clock runs, so that timeoutMs 0 means "check now".
    if (until.port !== undefined && (await listensOn(row, until.port))) return { outcome: 'port' };
    if (until.http !== undefined && (await answers(until.http, done.signal))) return { outcome: 'http' };
    if (timeoutMs !== undefined) timer = setTimeout(stop, Math.min(timeoutMs, MAX_TIMER_DELAY_MS));
    if (until.output !== undefined) {
      const match = await watchOutput(supervisor, row, compilePattern(until.output), done.signal);
      if (match !== undefined) return { outcome: 'output', match };
      return { outcome: done.signal.aborted ? 'timeout' : 'exited' };
    }
    const probe =
      until.port !== undefined
        ? () => listensOn(row, until.port as number)
        : () => answers(until.http as string, done.signal);
    const ended = supervisor.wait(row.id, undefined, done.signal).then(({ outcome }) => outcome === 'exited');
    const met = (async () => {
      while (!done.signal.aborted) {
        if (await probe()) return true;
        await sleep(READY_POLL_MS, undefined, { signal: done.signal }).catch(() => undefined);
      }
      return false;
    })();
    const first = await Promise.race([
      met.then((ok) => (ok ? 'met' : 'aborted')),
      ended.then((exited) => (exited ? 'exited' : 'aborted')),
    ]);
    if (first === 'met') return { outcome: until.port !== undefined ? 'port' : 'http' };
    if (first === 'exited') return { outcome: 'exited' };
    return { outcome: 'timeout' };
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
    done.abort();
  }
}

/** The first line of the task's log that matches `regex`, or undefined when the task ends (or `signal` aborts) first. */
async function watchOutput(
  supervisor: TaskSupervisor,
  row: TaskRow,
  regex: LineMatcher,
  signal: AbortSignal,
): Promise<string | undefined> {
  let offset = row.droppedBytes;
  let partial = '';
  const ended = () => isTerminal(supervisor.store.get(row.id)?.state ?? 'lost');
  for (;;) {
    const endedBefore = ended();
    for (;;) {
      const chunk = await readLogSelection(row.logPath, {
        offset,
        limit: MAX_OUTPUT_LIMIT,
        final: endedBefore,
        droppedBytes: row.droppedBytes,
      });
      if (chunk.nextOffset === offset) break;
      offset = chunk.nextOffset;
      const lines = (partial + chunk.data).split('\n');
      partial = lines.pop() ?? '';
      const found = lines.map((line) => cleanText(line)).find((line) => regex.test(line));
      if (found !== undefined) return found;
    }
    if (endedBefore) {
      const last = cleanText(partial);
      return partial !== '' && regex.test(last) ? last : undefined;
    }
    if (signal.aborted) return undefined;
    await waitForGrowth(row.logPath, offset, 60_000, { stop: ended, signal });
  }
}

async function listensOn(row: TaskRow, port: number): Promise<boolean> {
  const [stats] = await taskStats([row]);
  return stats?.ports.some((p) => p.port === port) ?? false;
}

async function answers(url: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_PROBE_TIMEOUT_MS)]),
    });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
