import { resolve } from 'node:path';
import { LIVE_STATES, MAX_LIST_LIMIT, isTerminal, type Task } from '@tend/protocol/wire';
import { withClient, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { formatAgo, formatBytes, formatCpu, formatSpan, printJson, writeOut } from './output.js';
import { lifetimeMarker } from './lifetime-options.js';
import { restartMarker } from './restart-options.js';
import { renderTable } from './table.js';
import { fetchStats, portNumbers, type TaskStatsView } from './task-stats.js';

/** Options of `tend ps`. */
export interface ListOptions extends GlobalOptions {
  /** Include ended tasks. */
  all?: boolean;
  /** Workspace filter: tasks whose cwd is this directory or below (relative to the current one). */
  cwd?: string;
  /** Workspace filter on the current directory. */
  here?: boolean;
  /** Add CPU, memory and ports of live tasks (task/stats). */
  stats?: boolean;
}

/** A task as `ps --json` prints it: live ones carry their stats. */
export type ListedTask = Task & { stats?: TaskStatsView };

/**
 * `tend ps`: live tasks (`task/list` with the live states), or every task with
 * `--all` (up to {@link MAX_LIST_LIMIT}), newest first; only those of the
 * session given with `--session` (not $TEND_SESSION: `ps` shows every
 * session's tasks unless asked) and those whose cwd is at or below `--cwd DIR`
 * or, with `--here`, the current directory. With `--stats`, live tasks get
 * their CPU, memory and ports from one `task/stats` call (left out when the
 * daemon does not know it); without, `ps` costs one `task/list` call and
 * nothing more (docker ps shows no figures either; measured with 100 live
 * tasks on a busy 2-core VM: task/list 10 ms, task/stats 22 ms from a warm
 * client). Prints a table or a JSON array of tasks, with `--stats` live ones
 * with `stats`.
 * @returns the process exit code (0).
 * @throws CliError when both --cwd and --here are given.
 */
export async function listTasks(options: ListOptions): Promise<number> {
  if (options.cwd !== undefined && options.here) throw new CliError('give either --cwd or --here, not both');
  const cwd = options.here ? process.cwd() : options.cwd !== undefined ? resolve(options.cwd) : undefined;
  const { tasks, stats } = await withClient(options, async (client) => {
    const tasks = await client.list({
      ...(options.all ? {} : { state: [...LIVE_STATES] }),
      ...(options.session ? { session: options.session } : {}),
      ...(cwd !== undefined ? { cwd } : {}),
      limit: MAX_LIST_LIMIT,
    });
    const stats = options.stats
      ? await fetchStats(
          client,
          tasks.filter((t) => !isTerminal(t.state)).map((t) => t.id),
        )
      : undefined;
    return { tasks, stats };
  });
  if (options.json) await printJson(tasks.map((task) => withStats(task, stats)));
  else
    await writeOut(
      renderTaskTable(tasks, process.stdout.isTTY ? process.stdout.columns : undefined, Date.now(), stats),
    );
  return 0;
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
 * cut to fit `columns` characters when given.
 * @param now milliseconds since the epoch, for CREATED.
 * @param stats by task id; undefined leaves the CPU, MEM and PORTS columns out.
 * @returns the table text, ending with a newline.
 */
export function renderTaskTable(
  tasks: readonly Task[],
  columns?: number,
  now = Date.now(),
  stats?: ReadonlyMap<string, TaskStatsView>,
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
      task.command,
    ];
  });
  return renderTable(stats ? HEADINGS_WITH_STATS : HEADINGS, rows, columns);
}

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
