// The marker `tend ps` shows for restarts (docs/protocol.md, "Restart policies"), apart from the options of
// `tend run --restart` (restart-options.ts), which need commander: `ps` loads only this (issue 13: with it in
// restart-options.ts, a cold `tend ps` loaded and ran commander's 43 KB chunk).
import type { Task } from '@tend/protocol/wire';
import { formatSpan } from './output.js';

/**
 * What `tend ps` adds to a task's STATE for restarts: `in 2s` (time left of a restarting task's backoff) and
 * `↺ 3` (its restarts, pm2's mark) when it has restarted; empty otherwise.
 * @param now milliseconds since the epoch.
 */
export function restartMarker(
  task: Pick<Task, 'state' | 'restarts' | 'restartAt'>,
  now = Date.now(),
): string[] {
  const marks: string[] = [];
  if (task.state === 'restarting' && task.restartAt !== undefined)
    marks.push(`in ${formatSpan(Math.max(0, Date.parse(task.restartAt) - now)).replace(/ /g, '')}`);
  if ((task.restarts ?? 0) > 0) marks.push(`↺ ${task.restarts}`);
  return marks;
}
