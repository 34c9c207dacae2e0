// `tend top`'s pure parts: which tasks show, in which order, and how a row and a log read on screen.
import { cleanText } from '@tend/protocol/clean-text';
import { isTerminal, type Task, type TaskState, type TaskStatsEntry } from '@tend/protocol/wire';
import { formatBytes, formatCpu, formatSpan, truncate } from './output.js';
import { exitColumn } from './task-list.js';

/** What narrows the list: every filter optional; `search` is typed text matched case-insensitively. */
export interface TopFilters {
  session?: string;
  project?: string;
  state?: TaskState;
  search?: string;
  /** Show ended tasks too (the history toggle); unread ended ones show either way. */
  history: boolean;
}

/** A task's `project`: the absolute root of a task started from tend.toml; undefined for an ad-hoc task. */
export function projectOf(task: Task): string | undefined {
  return task.project;
}

/** Rank of a state in the list: running first, then starting and stopping, then ended ones. */
function rank(state: TaskState): number {
  if (state === 'running') return 0;
  if (!isTerminal(state)) return 1;
  return 2;
}

/**
 * The tasks `top` lists: those passing `filters` (ended ones only with history or when unread), running
 * first, then the other live states, then ended ones; newest first within each group.
 */
export function visibleTasks(
  tasks: Iterable<Task>,
  filters: TopFilters,
  unread: ReadonlySet<string> = new Set(),
): Task[] {
  const search = filters.search?.toLowerCase();
  return [...tasks]
    .filter((task) => {
      if (!filters.history && isTerminal(task.state) && !unread.has(task.id)) return false;
      if (filters.session !== undefined && task.session !== filters.session) return false;
      if (filters.project !== undefined && projectOf(task) !== filters.project) return false;
      if (filters.state !== undefined && task.state !== filters.state) return false;
      if (search) {
        const text = `${task.id} ${task.name ?? ''} ${task.command} ${task.session ?? ''}`.toLowerCase();
        if (!text.includes(search)) return false;
      }
      return true;
    })
    .sort((a, b) => rank(a.state) - rank(b.state) || b.createdAt.localeCompare(a.createdAt));
}

/** One column of the list: heading, width in characters (the last one takes what is left). */
export interface Column {
  heading: string;
  width: number;
  cell: (task: Task, stats: TaskStatsEntry | undefined, now: number) => string;
}

/** How long a task has run (live) or ran (ended). */
function age(task: Task, now: number): string {
  if (task.durationMs !== undefined && isTerminal(task.state)) return formatSpan(task.durationMs);
  const from = Date.parse(task.startedAt ?? task.createdAt);
  const to = task.endedAt ? Date.parse(task.endedAt) : now;
  return formatSpan(to - from);
}

/** ID: a selection mark, the id (8 characters), the unread mark, a space. */
const ID: Column = { heading: ' ID', width: 11, cell: (t) => ` ${t.id}` };
const STATE: Column = { heading: 'STATE', width: 10, cell: (t) => t.state };
const NAME: Column = { heading: 'NAME', width: 14, cell: (t) => t.name ?? '' };
const OWNER: Column = {
  heading: 'SESSION/PROJECT',
  width: 18,
  cell: (t) => projectOf(t) ?? t.session ?? '',
};
const AGE: Column = { heading: 'AGE', width: 8, cell: (t, _s, now) => age(t, now) };
const EXIT: Column = { heading: 'EXIT', width: 8, cell: (t) => exitColumn(t) };
const CPU: Column = { heading: 'CPU', width: 6, cell: (_t, s) => (s ? formatCpu(s.cpuPercent) : '') };
const MEM: Column = { heading: 'MEM', width: 6, cell: (_t, s) => (s ? formatBytes(s.rssBytes) : '') };
const PORTS: Column = {
  heading: 'PORTS',
  width: 12,
  cell: (_t, s) => (s ? [...new Set(s.ports.map((p) => p.port))].sort((a, b) => a - b).join(',') : ''),
};
const COMMAND: Column = { heading: 'COMMAND', width: 0, cell: (t) => t.command };

/** Terminal width from which SESSION/PROJECT and PORTS are shown (below, 80 columns keep a readable COMMAND). */
export const WIDE_COLUMNS = 110;

/** The list's columns for a terminal `columns` wide. */
export function columnsFor(columns: number): Column[] {
  return columns >= WIDE_COLUMNS
    ? [ID, STATE, NAME, OWNER, AGE, EXIT, CPU, MEM, PORTS, COMMAND]
    : [ID, STATE, NAME, AGE, EXIT, CPU, MEM, COMMAND];
}

/**
 * One list line exactly `columns` characters wide (cells cut with `…`, one space apart); `cells` are the
 * texts in column order.
 */
export function layoutRow(cells: readonly string[], cols: readonly Column[], columns: number): string {
  let line = '';
  cols.forEach((col, i) => {
    const last = i === cols.length - 1;
    const width = last ? Math.max(1, columns - line.length) : col.width;
    const text = truncate(cells[i] ?? '', last ? width : width - 1);
    line += last ? text : text.padEnd(width);
  });
  return line.slice(0, columns).padEnd(columns);
}

/** The cells of `task`'s row. */
export function rowCells(
  task: Task,
  cols: readonly Column[],
  stats: TaskStatsEntry | undefined,
  now: number,
): string[] {
  return cols.map((col) => col.cell(task, stats, now));
}

/** Most log text `top` keeps for the detail pane, in characters (older text is dropped as new arrives). */
export const LOG_KEEP_CHARS = 256 * 1024;

// CSI sequences (ESC [ … final byte), OSC (ESC ] … BEL or ST), other two-byte escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: an SGR (colour) sequence
const SGR = /^\u001b\[[0-9;]*m$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: other C0 controls but tab and newline
const CONTROLS = /[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f]/g;

/**
 * The lines of a log as the detail pane shows them. `clean` (task/output's clean, through cleanText):
 * no escapes, each `\r`-redrawn line in its last state. Otherwise what a terminal would show: SGR colours
 * kept when `color`, other escapes and control characters removed, `\r` redraws in their last state too
 * (the pane cannot replay cursor moves). Tabs become spaces up to the next multiple of 8.
 */
export function logLines(text: string, { clean, color }: { clean: boolean; color: boolean }): string[] {
  const keepSgr = !clean && color;
  const lines = (
    clean ? cleanText(text) : text.replace(ESCAPES, (seq) => (keepSgr && SGR.test(seq) ? seq : ''))
  )
    .split('\n')
    .map((line) => {
      const end = line.endsWith('\r') ? line.slice(0, -1) : line;
      const cr = end.lastIndexOf('\r');
      return (cr === -1 ? end : end.slice(cr + 1)).replace(CONTROLS, '').replace(/\t/g, '        ');
    });
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
