import { projectDependencies } from '@tend/client/project-file';
import { withClient, type GlobalOptions } from './connect.js';
import { printJson, printLine } from './output.js';
import { loadProject } from './project-file-load.js';

/** Options of `tend down`. */
export interface DownOptions extends GlobalOptions {
  /** The project file (default: the nearest tend.toml at or above the current directory). */
  file?: string;
  /** ms between SIGTERM and SIGKILL for each task (already parsed from --grace). */
  grace?: number;
}

/**
 * `tend down [NAME…]`: stops the project's live tasks named (default: all of them) and those depending on
 * them, dependants first (project/down). Prints `<name>  <id>  <state>` per task stopped, in the order
 * they were stopped, or with `--json` the tasks.
 * @returns 0.
 * @throws CliError (125) for a bad project file.
 */
export async function projectDown(names: string[], options: DownOptions): Promise<number> {
  const loaded = loadProject(options.file);
  const tasks = await withClient(options, (client) =>
    client.down({
      project: loaded.project,
      dependsOn: projectDependencies(loaded),
      ...(names.length > 0 ? { names } : {}),
      ...(options.grace !== undefined ? { graceMs: options.grace } : {}),
    }),
  );
  if (options.json) await printJson(tasks);
  else for (const task of tasks) await printLine(`${task.name ?? ''}  ${task.id}  ${task.state}`);
  return 0;
}
