import type { TendClient } from '@tend/client';
import type { SignalName, Task } from '@tend/protocol/wire';
import { MAX_OUTPUT_LIMIT } from '@tend/protocol/wire';
import { binaryOf, OutputWriter } from './output-writer.js';
import { warn } from './output.js';

/** How `tend run --wait` / `-a` attaches to the task it started. */
export interface AttachOptions {
  /** Stream the task's output to stdout (false with `--json`: only the ended task is printed). */
  stream: boolean;
  /** `--sig-proxy`: forward signals the CLI receives to the task's process group instead of detaching. */
  sigProxy: boolean;
}

/**
 * Signals that detach an attached run without `--sig-proxy`: Ctrl-C (SIGINT)
 * and a polite SIGTERM. The task keeps running (it is in its own session, so
 * the terminal's Ctrl-C never reaches it); the CLI says so on stderr and then
 * ends killed by the same signal, so that the shell sees an interrupted
 * command (`$?` 130 for SIGINT, 143 for SIGTERM) and a script or `&&` chain
 * stops, as for any command interrupted by Ctrl-C (see "Proper handling of
 * SIGINT/SIGQUIT", https://www.cons.org/cracauer/sigint.html).
 */
export const DETACH_SIGNALS = ['SIGINT', 'SIGTERM'] as const satisfies readonly SignalName[];

/**
 * Signals `--sig-proxy` forwards to the task (task/kill with that signal), as
 * `docker run --sig-proxy` forwards the signals it receives. SIGUSR1 is left
 * out: Node.js reserves it for its inspector. SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT are terminating signals for task/kill: the task is stopping, and
 * SIGKILL follows after the kill grace (10 s by default) if it is still alive,
 * as with `tend stop -s INT`.
 */
export const PROXIED_SIGNALS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR2',
] as const satisfies readonly SignalName[];

/**
 * Attaches to a started task, as `docker run` without `-d`: with `stream`,
 * writes its output log (stdout and stderr as the task interleaved them) to
 * stdout byte for byte as it is written (long-polling `task/output` reads with
 * `encoding: "base64"` from offset 0, resumed across daemon restarts), until
 * the task has ended and every byte it wrote is printed; then returns the ended
 * task (`task/wait`, which answers at once by then).
 *
 * Signals while attached: without `sigProxy`, SIGINT/SIGTERM print
 * `task <id> keeps running; \`tend stop <id>\` to end it` on stderr and end the
 * CLI by that signal (see {@link DETACH_SIGNALS}); with `sigProxy`, each
 * signal of {@link PROXIED_SIGNALS} is sent to the task's process group
 * (`task/kill`) and the CLI keeps streaming until the task ends.
 * Bytes the output cap dropped before they could be read are noted on stderr.
 * @returns the task as it ended.
 * @throws the client's errors (task_not_found when the task was removed meanwhile…).
 */
export async function attach(client: TendClient, task: Task, options: AttachOptions): Promise<Task> {
  const signals = options.sigProxy ? PROXIED_SIGNALS : DETACH_SIGNALS;
  const handler = (signal: NodeJS.Signals) => {
    if (options.sigProxy) forward(client, task.id, signal as SignalName);
    else detach(task.id, signal, handler);
  };
  for (const signal of signals) process.on(signal, handler);
  try {
    if (options.stream) await stream(client, task.id);
    return (await client.wait(task.id)).task;
  } finally {
    for (const signal of signals) process.removeListener(signal, handler);
  }
}

/** Writes the whole log of task `id` to stdout as it grows, until the task ended and all of it is written. */
async function stream(client: TendClient, id: string): Promise<void> {
  const writer = new OutputWriter('bytes');
  let dropped = 0;
  // follow() stops after a read that says `ended` and reached the log's end: the
  // daemon decides `ended` before reading, so nothing written before the end is missed.
  for await (const chunk of client.follow(id, { offset: 0, limit: MAX_OUTPUT_LIMIT, encoding: 'base64' })) {
    dropped += chunk.skippedBytes;
    await writer.write(binaryOf(chunk.data));
  }
  await writer.end();
  if (dropped > 0)
    warn(`${dropped} bytes of this output were dropped by the task's output cap before they could be read`);
}

/** `--sig-proxy`: sends `signal` to the task's process group; a task that has just ended is no error. */
function forward(client: TendClient, id: string, signal: SignalName): void {
  client.kill(id, { signal }).catch((err: unknown) => {
    if ((err as { reason?: unknown }).reason === 'not_running') return;
    warn(`could not forward ${signal} to task ${id}: ${(err as Error).message}`);
  });
}

/**
 * Detaches: says how to end the task, then ends this process by `signal`
 * (default disposition restored first), leaving the task running.
 */
function detach(id: string, signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): void {
  warn(`task ${id} keeps running; \`tend stop ${id}\` to end it`);
  for (const s of DETACH_SIGNALS) process.removeListener(s, handler);
  // stderr is synchronous for files, pipes and terminals on Linux: the line is out.
  process.kill(process.pid, signal);
}
