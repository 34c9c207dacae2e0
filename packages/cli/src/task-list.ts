import Table from 'cli-table3';
import { LIVE_STATES, MAX_LIST_LIMIT, isTerminal, type Task } from '@tend/protocol';
import { withClient, type GlobalOptions } from './connect.js';
import { formatAgo, formatSpan, printJson, truncate, writeOut } from './output.js';

/** Options of `tend ps`. */
export interface ListOptions extends GlobalOptions {
  /** Include ended tasks. */
  all?: boolean;
}

/** Narrowest the COMMAND column gets, in characters, however narrow the terminal. */
const MIN_COMMAND_WIDTH = 20;
/** COMMAND width when stdout is not a terminal. */
const PIPE_COMMAND_WIDTH = 60;

/**
 * `tend ps`: live tasks (`task/list` with the live states), or every task with
 * `--all` (up to {@link MAX_LIST_LIMIT}), newest first, as a table or a JSON
 * array of tasks.
 * @returns the process exit code (0).
 */
export async function listTasks(options: ListOptions): Promise<number> {
  const tasks = await withClient(options, (client) =>
    client.list(options.all ? { limit: MAX_LIST_LIMIT } : { state: [...LIVE_STATES], limit: MAX_LIST_LIMIT }),
  );
  if (options.json) await printJson(tasks);
  else await writeOut(renderTaskTable(tasks, process.stdout.isTTY ? process.stdout.columns : undefined));
  return 0;
}

/**
 * Renders tasks as a borderless table with columns ID, NAME, STATE, EXIT (code
 * or signal name), CREATED (how long ago), DURATION (run time so far, or total
 * once ended) and COMMAND, cut to fit `columns` characters when given.
 * @param now milliseconds since the epoch, for CREATED.
 * @returns the table text, ending with a newline.
 */
export function renderTaskTable(tasks: readonly Task[], columns?: number, now = Date.now()): string {
  const rows = tasks.map((task) => [
    task.id,
    task.name ?? '',
    task.state,
    exitColumn(task),
    formatAgo(task.createdAt, now),
    durationColumn(task, now),
  ]);
  const widths = [0, 1, 2, 3, 4, 5].map((i) =>
    Math.max(HEADINGS[i]!.length, ...rows.map((row) => row[i]!.length)),
  );
  const used = widths.reduce((sum, w) => sum + w + GAP, 0);
  const commandWidth = columns ? Math.max(MIN_COMMAND_WIDTH, columns - used) : PIPE_COMMAND_WIDTH;
  const table = new Table({
    head: HEADINGS,
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': GAP },
  });
  tasks.forEach((task, i) => table.push([...rows[i]!, truncate(task.command, commandWidth)]));
  return `${table.toString().split('\n').map((line) => line.trimEnd()).join('\n')}\n`;
}

const HEADINGS = ['ID', 'NAME', 'STATE', 'EXIT', 'CREATED', 'DURATION', 'COMMAND'];
const GAP = 2;
const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
};

function exitColumn(task: Task): string {
  if (task.exitCode !== undefined) return String(task.exitCode);
  if (task.signal !== undefined) return task.signal;
  return isTerminal(task.state) ? '?' : '';
}

function durationColumn(task: Task, now: number): string {
  if (task.durationMs !== undefined) return formatSpan(task.durationMs);
  if (task.startedAt === undefined) return '';
  const end = task.endedAt === undefined ? now : Date.parse(task.endedAt);
  return formatSpan(end - Date.parse(task.startedAt));
}
