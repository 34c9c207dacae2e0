import type { Task } from '@tend/client';
import { LIVE_STATES } from '@tend/protocol/wire';

// Text building blocks shared by the tools. Everything a model reads goes
// through here, so that states, durations and sizes read the same everywhere.

/** True while the task has not ended (starting, running, stopping, restarting). */
export function isLive(task: Pick<Task, 'state'>): boolean {
  return LIVE_STATES.includes(task.state);
}

/** `task k3j9x2 "web"`, or `task k3j9x2` when it has no name. */
export function taskLabel(task: Pick<Task, 'id' | 'name'>): string {
  return task.name ? `task ${task.id} "${task.name}"` : `task ${task.id}`;
}

/** What {@link taskState} looks at: a task, or a completion of the inbox. */
export type TaskFacts = Pick<Task, 'state'> &
  Partial<Pick<Task, 'pid' | 'durationMs' | 'reason' | 'exitCode' | 'signal' | 'restarts' | 'restartAt'>>;

/**
 * The state of a task in a few words, with what explains it: `running (pid 1234, up 2 min 3 s)`,
 * `failed (exit code 1) after 3.2 s`, `killed (SIGTERM; killed by user) after 1 min`, `lost (exit unknown: …)`,
 * `restarting (run 1 exited with status 1; next run in 2 s)`; restarts are counted (`restarted 2 times`).
 */
export function taskState(task: TaskFacts): string {
  const restarted = task.restarts
    ? `restarted ${task.restarts} time${task.restarts === 1 ? '' : 's'}`
    : undefined;
  if (task.state === 'restarting') {
    const next =
      task.restartAt !== undefined
        ? `next run in ${duration(Math.max(0, Date.parse(task.restartAt) - Date.now()))}`
        : undefined;
    const facts = [task.reason, next, restarted].filter(Boolean).join('; ');
    return facts ? `restarting (${facts})` : 'restarting';
  }
  if (task.state === 'running' || task.state === 'starting') {
    const up =
      task.durationMs !== undefined && task.durationMs >= 1000
        ? `up ${duration(task.durationMs)}`
        : undefined;
    const facts = [task.pid ? `pid ${task.pid}` : undefined, up, restarted];
    const shown = facts.filter(Boolean).join(', ');
    return shown ? `${task.state} (${shown})` : task.state;
  }
  if (task.state === 'stopping') return `stopping${task.reason ? ` (${task.reason})` : ''}`;
  const why: string[] = [];
  if (task.exitCode !== undefined) why.push(`exit code ${task.exitCode}`);
  // The daemon's reason may name the signal already ("killed by user (SIGTERM)"): say it once.
  if (task.signal !== undefined && !task.reason?.includes(task.signal)) why.push(task.signal);
  if (task.state === 'lost') why.push('exit status unknown');
  if (task.reason) why.push(task.reason);
  if (restarted) why.push(restarted);
  const after = task.durationMs !== undefined ? ` after ${duration(task.durationMs)}` : '';
  return `${task.state}${why.length ? ` (${why.join('; ')})` : ''}${after}`;
}

/** A sentence subject and state: `task k3j9x2 "web" is running (pid 1234)`, `task k3j9x2 has ended: failed (exit code 1) after 3 s`. */
export function taskStatus(task: Task): string {
  return isLive(task)
    ? `${taskLabel(task)} is ${taskState(task)}`
    : `${taskLabel(task)} has ended: ${taskState(task)}`;
}

/** A command on one line, at most 200 characters: newlines shown as ⏎, the rest cut with …. */
export function oneLine(command: string): string {
  const flat = command.replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** A duration for people and models: `0.4 s`, `12.3 s`, `2 min 3 s`, `1 h 2 min`. */
export function duration(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/** A size: `512 bytes`, `4.2 KiB`, `1.5 MiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Output quoted for the model in a fenced block, with a trailing newline added
 * when the output lacks one; a fence longer than any backtick run inside, so
 * that log text cannot close it.
 */
export function quoteOutput(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text}${text.endsWith('\n') ? '' : '\n'}${fence}`;
}

/** `Last lines of its output:` and the quoted lines, or a note that it printed nothing. */
export function lastLinesBlock(text: string, heading = 'Last lines of its output:'): string {
  return text.trim() === '' ? 'It has printed nothing.' : `${heading}\n${quoteOutput(text)}`;
}
