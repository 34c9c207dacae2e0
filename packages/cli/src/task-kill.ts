import type { TendClient } from '@tend/client';
import { DEFAULT_KILL_GRACE_MS, toSignalName, type SignalName, type Task } from '@tend/protocol/wire';
import { withClient, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { forEachTask } from './for-each-task.js';
import { warn } from './output.js';

/** Options of `tend stop`. */
export interface StopOptions extends GlobalOptions {
  /** ms between SIGTERM and SIGKILL (already parsed from `-t`). */
  time?: number;
}

/** Options of `tend kill`. */
export interface KillOptions extends GlobalOptions {
  /** Signal as the user typed it: `KILL`, `SIGTERM`, `15`… */
  signal?: string;
}

/** How long `tend stop` waits for the end beyond the grace period, in ms (SIGKILL is then on its way). */
const STOP_MARGIN_MS = 5_000;

/**
 * `tend stop ID…`: SIGTERM to each task's process group, SIGKILL after the
 * grace period (default {@link DEFAULT_KILL_GRACE_MS} ms, as `docker stop`),
 * then waits for each task to end (grace + 5 s at most) and prints its id, or
 * the ended task(s) as JSON. A task that had already ended is no failure, as
 * with `docker stop`: stderr says so, and it is printed like the others.
 * @returns 0, or 125 when any task could not be stopped (each error on stderr).
 */
export async function stopTasks(ids: string[], options: StopOptions): Promise<number> {
  const graceMs = options.time ?? DEFAULT_KILL_GRACE_MS;
  return withClient(options, (client) =>
    forEachTask(ids, options, async (id) => {
      let task: Task;
      try {
        task = await client.kill(id, { signal: 'SIGTERM', graceMs });
      } catch (err) {
        if ((err as { reason?: unknown }).reason !== 'not_running') throw err;
        // As `docker stop` of a stopped container: nothing to do, and no failure.
        const ended = await client.get(id);
        warn(`task ${ended.id} had already ended (${ended.state})`);
        return ended;
      }
      return waitForEnd(client, task, graceMs + STOP_MARGIN_MS);
    }),
  );
}

/**
 * `tend kill ID…`: sends a signal (default SIGKILL; `-s TERM`, `-s SIGTERM`,
 * `-s 15` all work) to each task's process group and prints its id, or the
 * task(s) as JSON, without waiting for the end.
 * @returns 0, or 125 when any task could not be signalled.
 * @throws CliError when the signal is unknown.
 */
export async function killTasks(ids: string[], options: KillOptions): Promise<number> {
  const signal = parseSignal(options.signal ?? 'SIGKILL');
  return withClient(options, (client) => forEachTask(ids, options, (id) => client.kill(id, { signal })));
}

/**
 * Normalizes a signal typed by the user (`TERM`, `sigterm`, `15`).
 * @throws CliError naming the input when it is no known signal.
 */
export function parseSignal(input: string): SignalName {
  const name = toSignalName(input);
  if (name === undefined)
    throw new CliError(`unknown signal "${input}"; give a name like TERM or SIGKILL, or a number like 15`);
  return name;
}

async function waitForEnd(client: TendClient, task: Task, timeoutMs: number): Promise<Task> {
  const { task: after } = await client.wait(task.id, { timeoutMs });
  return after;
}
