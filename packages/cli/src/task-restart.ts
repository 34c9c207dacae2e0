import { withClient } from './connect.js';
import { forEachTask } from './for-each-task.js';
import type { StopOptions } from './task-kill.js';

/**
 * `tend restart ID|NAME…` (docker restart): runs each task again with its recorded command, cwd and
 * environment, under the same id (task/restart: `restarts` + 1, output appended to its log). A live task
 * is stopped first (SIGTERM, SIGKILL after `-t`, default the daemon's killGraceMs); an ended one runs again.
 * Prints each id once its new run is running, or the tasks as JSON.
 * @returns 0, or 125 when any task could not be restarted (each error on stderr).
 */
export async function restartTasks(refs: string[], options: StopOptions): Promise<number> {
  return withClient(options, (client) =>
    forEachTask(refs, options, (ref) =>
      client.restart(ref, options.time !== undefined ? { graceMs: options.time } : {}),
    ),
  );
}
