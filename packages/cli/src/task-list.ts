import { dirname, resolve } from 'node:path';
import { findProjectFile } from '@tend/client/project-file-find';
import { LIVE_STATES, MAX_LIST_LIMIT, isTerminal, type Task, type TaskState } from '@tend/protocol/wire';
import { withClient, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { formatAgo, formatBytes, formatCpu, formatSpan, printJson, writeOut } from './output.js';
import { lifetimeMarker } from './lifetime-marker.js';
import { paintState, colorWanted } from './colors.js';
import { restartMarker } from './restart-marker.js';
import { renderTable } from './table.js';
import { matchesFilter, parseFilters, type TaskFilter } from './task-filter.js';
import { compileFormat } from './task-format.js';
import { fetchStats, portNumbers, type TaskStatsView } from './task-stats.js';

/** Options of `tend ps`. */
export interface ListOptions extends GlobalOptions {
  /** Include ended tasks. */
  all?: boolean;
  /** Workspace filter: tasks whose cwd is this directory or below (relative to the current one). */
  cwd?: string;
  /** Workspace filter on the current directory. */
  here?: boolean;
  /** Project filter: the directory of the tend.toml at or above this directory. */
  project?: string;
  /** Add CPU, memory and ports of live tasks (task/stats). */
  stats?: boolean;
  /** `--search`: text found in the name, command or description (task/list search). */
  search?: string;
  /** `-q`: only the ids, one per line. */
  quiet?: boolean;
  /** `--filter KEY=VALUE` arguments (see task-filter.ts). */
  filter?: string[];
  /** `--format`: a `{{.Field}}` template or `json` (see task-format.ts). */
  format?: string;
  /** `--no-trunc` gives `trunc: false`: commands are printed whole. */
  trunc?: boolean;
  /** `--no-color` gives `color: false`. */
  color?: boolean;
}

/** A task as `ps --json` prints it: live ones carry their stats. */
export type ListedTask = Task & { stats?: TaskStatsView };

/**
 * `tend ps`: live tasks (`task/list` with the live states), or every task with
 * `--all` (up to {@link MAX_LIST_LIMIT}), newest first; only those of the
 * session given with `--session` (not $TEND_SESSION: `ps` shows every
 * session's tasks unless asked) and those whose cwd is at or below `--cwd DIR`
 * or, with `--here`, the current directory, with `--search TEXT` those whose name, command or
 * description holds TEXT, and with `--project DIR` those of the project whose tend.toml is in DIR or
 * above it. With `--stats`, live tasks get
 * their CPU, memory and ports from one `task/stats` call (left out when the
 * daemon does not know it); without, `ps` costs one `task/list` call and
 * nothing more (docker ps shows no figures either; measured with 100 live
 * tasks on a busy 2-core VM: task/list 10 ms, task/stats 22 ms from a warm
 * client). Prints a table or a JSON array of tasks, with `--stats` live ones
 * with `stats`.
 *
 * Scripting, as docker ps: `--filter KEY=VALUE` (repeatable; a key given twice matches either value,
 * different keys all; `state=` also finds ended tasks without `-a`), `-q` (ids only), `--format` (a
 * `{{.Field}}` template, one line per task, or `json`: one JSON object per line) and `--no-trunc`.
 * The STATE column is coloured on a terminal unless NO_COLOR or `--no-color`.
 * @returns the process exit code (0).
 * @throws CliError when both --cwd and --here are given, or on a bad --filter or --format.
 */
export async function listTasks(options: ListOptions): Promise<number> {
  if (options.cwd !== undefined && options.here) throw new CliError('give either --cwd or --here, not both');
  const cwd = options.here ? process.cwd() : options.cwd !== undefined ? resolve(options.cwd) : undefined;
  const filter = parseFilters(options.filter ?? []);
  const format = options.format === undefined ? undefined : compileFormat(options.format);
  const { tasks, stats } = await withClient(options, async (client) => {
    const listed = await client.list({
      ...listStates(options, filter),
      ...(options.session ? { session: options.session } : {}),
      ...(cwd !== undefined ? { cwd } : {}),
      ...(options.search !== undefined ? { search: options.search } : {}),
      ...(options.project !== undefined ? { project: projectDir(options.project) } : {}),
      limit: MAX_LIST_LIMIT,
    });
    const tasks = listed.filter((task) => matchesFilter(task, filter));
    const stats = options.stats
      ? await fetchStats(
          client,
          tasks.filter((t) => !isTerminal(t.state)).map((t) => t.id),
        )
      : undefined;
    return { tasks, stats };
  });
  if (options.quiet) await writeOut(tasks.map((task) => `${task.id}\n`).join(''));
  else if (format) await writeOut(tasks.map((task) => `${format(withStats(task, stats))}\n`).join(''));
  else if (options.json) await printJson(tasks.map((task) => withStats(task, stats)));
  else {
    const columns =
      options.trunc === false
        ? Number.POSITIVE_INFINITY
        : process.stdout.isTTY
          ? process.stdout.columns
          : undefined;
    await writeOut(
      renderTaskTable(tasks, columns, Date.now(), stats, { color: colorWanted(process.stdout, options) }),
    );
  }
  return 0;
}

/** The project of `dir`: the directory of the nearest tend.toml at or above it, else `dir` itself (absolute). */
function projectDir(dir: string): string {
  const file = findProjectFile(dir);
  return file !== undefined ? dirname(file) : resolve(dir);
}

/**
 * task/list's `state` param: the states of a `state` filter (docker: `--filter status=exited` needs no
 * `-a`), else every state with `-a`, else the live ones.
 */
function listStates(options: ListOptions, filter: TaskFilter): { state?: TaskState[] } {
  const states = filter.get('state');
  if (states) return { state: states as TaskState[] };
  return options.all ? {} : { state: [...LIVE_STATES] };
}

/** The task with its `stats` added when there are some for it. */
export function withStats(task: Task, stats: ReadonlyMap<string, TaskStatsView> | undefined): ListedTask {
  const own = stats?.get(task.id);
  return own ? { ...task, stats: own } : task;
}

/**
 * Renders tasks as a borderless table with columns ID, NAME, STATE (see {@link stateColumn}), EXIT (code
 * or signal name), CREATED (how long ago), DURATION (run time so far, or total
 * once ended), then — when `stats` is given — CPU (% of one core), MEM (RSS)
 * and PORTS (listening TCP ports, comma-separated) of live tasks, and COMMAND,
 * cut to fit `columns` characters when given; a task with a description shows
 * `<description> — <command>` there (heading `DESCRIPTION — COMMAND`), so that what it is for comes first.
 * @param now milliseconds since the epoch, for CREATED.
 * @param stats by task id; undefined leaves the CPU, MEM and PORTS columns out.
 * @param color true: the STATE column in the state's colour (SGR escapes, see colors.ts).
 * @returns the table text, ending with a newline.
 */
export function renderTaskTable(
  tasks: readonly Task[],
  columns?: number,
  now = Date.now(),
  stats?: ReadonlyMap<string, TaskStatsView>,
  { color = false }: { color?: boolean } = {},
): string {
  const rows = tasks.map((task) => {
    const own = stats?.get(task.id);
    const figures = stats
      ? own
        ? [formatCpu(own.cpuPercent), formatBytes(own.rssBytes), portNumbers(own).join(',')]
        : ['', '', '']
      : [];
    return [
      task.id,
      task.name ?? '',
      stateColumn(task, now),
      exitColumn(task),
      formatAgo(task.createdAt, now),
      durationColumn(task, now),
      ...figures,
      task.description !== undefined ? `${task.description} — ${task.command}` : task.command,
    ];
  });
  const headings = [...(stats ? HEADINGS_WITH_STATS : HEADINGS)];
  if (tasks.some((task) => task.description !== undefined))
    headings[headings.length - 1] = 'DESCRIPTION — COMMAND';
  const style = color
    ? (column: number, cell: string, row: number) =>
        column === STATE_COLUMN ? paintState((tasks[row] as Task).state, cell) : cell
    : undefined;
  return renderTable(headings, rows, columns, style);
}

/** Index of STATE in {@link HEADINGS} and {@link HEADINGS_WITH_STATS}. */
const STATE_COLUMN = 2;
const HEADINGS = ['ID', 'NAME', 'STATE', 'EXIT', 'CREATED', 'DURATION', 'COMMAND'];
const HEADINGS_WITH_STATS = [
  'ID',
  'NAME',
  'STATE',
  'EXIT',
  'CREATED',
  'DURATION',
  'CPU',
  'MEM',
  'PORTS',
  'COMMAND',
];

/**
 * STATE column: the state with its restarts (`restarting in 2s ↺ 1`, `running ↺ 3`: see {@link restartMarker}),
 * then `stopped` for a task stopped by SIGSTOP/SIGTSTP, and the leftovers
 * still running after the command ended (`running, stopped`, `succeeded, 1 leftover running`), then the
 * lifetime marker of a live task (`running (session, ttl 1h59m)`, see {@link lifetimeMarker}).
 * @param now milliseconds since the epoch, for the TTL left.
 */
export function stateColumn(
  task: Pick<Task, 'state' | 'stopped' | 'leftovers' | 'lifetime' | 'expiresAt' | 'restarts' | 'restartAt'>,
  now = Date.now(),
): string {
  const notes: string[] = [[task.state, ...restartMarker(task, now)].join(' ')];
  if (task.stopped) notes.push('stopped');
  const left = task.leftovers;
  if (left?.running) notes.push(`${left.count} leftover${left.count === 1 ? '' : 's'} running`);
  const marker = lifetimeMarker(task, now);
  return marker ? `${notes.join(', ')} (${marker})` : notes.join(', ');
}

/** EXIT column of a task or completion: its exit code, the signal's name, `?` when it ended without either, or empty while live. */
export function exitColumn(task: Pick<Task, 'exitCode' | 'signal' | 'state'>): string {
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
