import type { TendClient } from '@tend/client';
import {
  DEFAULT_KILL_GRACE_MS,
  isTerminal,
  type SignalName,
  type StopProof,
  type Task,
  toSignalName,
} from '@tend/protocol/wire';
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

/** What `tend stop` prints of a task: the task, with `stop` (processes signalled and left) when the daemon proved it. */
type StoppedTask = Task & { stop?: StopProof };

/**
 * `tend stop ID…`: SIGTERM (then SIGCONT, so that a stopped task can act on it) to each task's
 * processes, SIGKILL after the grace period (default {@link DEFAULT_KILL_GRACE_MS} ms, as
 * `docker stop`); the daemon answers once the task has ended and its processes are gone (task/kill
 * waits; no request timeout on this side), with how many processes it signalled and how many remain
 * (`stop`). Prints each id (stderr: `tend: stopped ID: 3 processes signalled, 0 remaining`), or the
 * ended task(s) as JSON with `stop`. An ended task whose leftovers still run has them stopped. A
 * task that had already ended is no failure, as with `docker stop`: stderr says so, and it is printed
 * like the others. A daemon that answers before the end (older, or past grace + 5 s, or a lost
 * connection) is followed by task/wait (grace + 5 s at most).
 * @returns 0, or 125 when any task could not be stopped (each error on stderr).
 */
export async function stopTasks(ids: string[], options: StopOptions): Promise<number> {
  const graceMs = options.time ?? DEFAULT_KILL_GRACE_MS;
  return withClient(options, (client) =>
    forEachTask(ids, options, async (id) => {
      let task: StoppedTask;
      try {
        task = await client.kill(id, { signal: 'SIGTERM', graceMs });
      } catch (err) {
        const reason = (err as { reason?: unknown }).reason;
        if (reason === 'connection_closed') return waitForEnd(client, id, graceMs + STOP_MARGIN_MS);
        if (reason !== 'not_running') throw err;
        // As `docker stop` of a stopped container: nothing to do, and no failure.
        const ended = await client.get(id);
        warn(`task ${ended.id} had already ended (${ended.state})`);
        return ended;
      }
      if (!isTerminal(task.state)) {
        const after = await waitForEnd(client, task.id, graceMs + STOP_MARGIN_MS);
        task = task.stop ? { ...after, stop: task.stop } : after;
      }
      if (task.stop && !options.json) warn(`stopped ${task.id}: ${proofText(task.stop)}`);
      return task;
    }),
  );
}

/** `3 processes signalled, 0 remaining`. */
export function proofText(stop: StopProof): string {
  const { signalled, remaining } = stop;
  return `${signalled} process${signalled === 1 ? '' : 'es'} signalled, ${remaining} remaining`;
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
  // As before task/kill could wait: `tend kill` answers once the signal is sent (`tend stop` waits).
  return withClient(options, (client) =>
    forEachTask(ids, options, (id) => client.kill(id, { signal, wait: false })),
  );
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

async function waitForEnd(client: TendClient, id: string, timeoutMs: number): Promise<Task> {
  const { task: after } = await client.wait(id, { timeoutMs });
  return after;
}
