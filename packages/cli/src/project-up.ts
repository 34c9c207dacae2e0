import type { ParamsOf, ProjectDidProgress, ProjectUp, ResultOf } from '@tend/protocol';
import { projectUpParams } from '@tend/client/project-file';
import { withClient, type GlobalOptions } from './connect.js';
import { printJson, printLine, warn } from './output.js';
import { loadProject } from './project-file-load.js';

/** Options of `tend up`. */
export interface UpOptions extends GlobalOptions {
  /** The project file (default: the nearest tend.toml at or above the current directory). */
  file?: string;
}

/** Exit code of `tend up` when a task failed, timed out or was skipped (docker compose up --wait's). */
export const UP_FAILED_EXIT = 1;

/**
 * `tend up [NAME…]`: reads the project file and sends it with project/up, which starts the named tasks
 * (default: all) and their dependencies in dependency order, in the daemon. Prints one line per task as its
 * state changes (`<name>  <state>  <detail>`, from project/didProgress), or with `--json` the result.
 * @returns 0 when every task is ready; {@link UP_FAILED_EXIT} naming on stderr each task that failed or
 *   timed out, with its last lines, and those skipped because of it.
 * @throws CliError (125) for a bad project file (file:line: key: what is wrong); the client's
 *   InvalidParamsError for a cycle or unknown name (nothing started).
 */
export async function projectUp(names: string[], options: UpOptions): Promise<number> {
  const loaded = loadProject(options.file);
  const params = projectUpParams(loaded, names);
  const width = Math.max(...Object.keys(loaded.tasks).map((name) => name.length));
  const result = await withClient(options, (client) =>
    client.up(params, options.json ? undefined : (progress) => void printLine(progressLine(progress, width))),
  );
  if (options.json) await printJson(result);
  return reportFailures(result);
}

/** One line of `tend up`'s progress: name, state and what it waits for, its id, or why it failed. */
export function progressLine(progress: ParamsOf<typeof ProjectDidProgress>, width: number): string {
  const { name, state, task, detail } = progress;
  const what =
    state === 'waiting'
      ? `for ${detail}`
      : state === 'started' || state === 'reused'
        ? `${task?.id ?? ''}${task?.pid !== undefined ? ` (pid ${task.pid})` : ''}`
        : state === 'ready' || state === 'succeeded'
          ? ''
          : (detail ?? '');
  return `${name.padEnd(width)}  ${state.padEnd(9)}  ${what}`.trimEnd();
}

/** Says on stderr which tasks failed, timed out or were skipped (with their last lines); the exit code. */
function reportFailures(result: ResultOf<typeof ProjectUp>): number {
  if (result.ok) return 0;
  for (const outcome of result.tasks) {
    if (outcome.state === 'ready' || outcome.state === 'succeeded') continue;
    warn(`task "${outcome.name}" ${outcome.state.replace('_', ' ')}: ${outcome.detail ?? ''}`);
    if (outcome.lastLines)
      process.stderr.write(
        `${outcome.lastLines
          .split('\n')
          .map((line) => `  ${outcome.name} | ${line}`)
          .join('\n')}\n`,
      );
  }
  return UP_FAILED_EXIT;
}
