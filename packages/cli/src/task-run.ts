import { resolve } from 'node:path';
import { joinCommand } from './command-line.js';
import { withClient, type GlobalOptions } from './connect.js';
import { exitCodeOf } from './exit-status.js';
import { printJson, printLine } from './output.js';

/** Options of `tend run`, as commander parsed them. */
export interface RunOptions extends GlobalOptions {
  name?: string;
  /** Working directory, relative to the current one; default the current one. */
  cwd?: string;
  /** From repeated `-e KEY=VALUE`. */
  env?: Record<string, string>;
  /** Task deadline in ms (already parsed from `--timeout`). */
  timeout?: number;
  wait?: boolean;
}

/**
 * `tend run [options] -- <command…>`: starts the command as a background task
 * (`task/run`) and prints its id alone on stdout, or the task as JSON. With
 * `--wait`, then waits for its end (`task/wait`, no deadline) and returns its
 * exit code (128 + N for signal N).
 * @returns the process exit code.
 * @throws CliError for a blank command or a task without exit status; the
 *   client's errors (invalid_cwd, name_in_use, invalid_params…) as they come.
 */
export async function runTask(words: string[], options: RunOptions): Promise<number> {
  const command = joinCommand(words);
  return withClient(options, async (client) => {
    const task = await client.run({
      command,
      cwd: resolve(options.cwd ?? '.'),
      ...(options.env && Object.keys(options.env).length > 0 ? { env: options.env } : {}),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
    });
    if (!options.wait) {
      await (options.json ? printJson(task) : printLine(task.id));
      return 0;
    }
    if (!options.json) await printLine(task.id);
    const { task: ended } = await client.wait(task.id);
    if (options.json) await printJson(ended);
    return exitCodeOf(ended);
  });
}
