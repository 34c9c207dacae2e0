// `tend top`'s screen: an Ink (React) component over a client. Written with createElement (`h`) rather
// than JSX, so the package keeps one TypeScript setup.
import type { TendClient } from '@tend/client';
import {
  isTerminal,
  SIGNAL_NAMES,
  type Task,
  type TaskStatsEntry,
  type SignalName,
} from '@tend/protocol/wire';
import { Box, type Key, Text, useApp, useInput, useStdout } from 'ink';
import { createElement as h, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { STATE_STYLES } from './colors.js';
import { formatAgo, formatBytes, formatCpu, formatSpan } from './output.js';
import { exitColumn } from './task-list.js';
import {
  columnsFor,
  layoutRow,
  LOG_KEEP_CHARS,
  logLines,
  projectOf,
  rowCells,
  type TopFilters,
  visibleTasks,
} from './top-model.js';

/**
 * What `top` needs of a client: TendClient's methods (tests pass a fake). `restart` (task/restart) is
 * optional: the `r` key shows only when the client has it.
 */
export type TopClient = Pick<
  TendClient,
  | 'list'
  | 'stats'
  | 'kill'
  | 'remove'
  | 'follow'
  | 'onTaskDidChange'
  | 'onTaskDidExit'
  | 'onReconnect'
  | 'onClose'
> & {
  readonly daemon: { pid: number };
  restart?: (id: string) => Promise<unknown>;
};

/** Side effects `top` asks of its host (the terminal), so tests can watch them. */
export interface TopHost {
  /** Puts `text` on the terminal's clipboard (OSC 52). */
  copy(text: string): void;
  /** Shows a file in $PAGER, with the screen handed over meanwhile. */
  page(path: string): void;
}

/** Props of {@link TopApp}. */
export interface TopProps {
  client: TopClient;
  host: TopHost;
  /** Colours (false under NO_COLOR or --no-color): selection and states then use inverse and plain text. */
  color: boolean;
  /** Fixed screen size (tests); default the terminal's, following resizes. */
  size?: { columns: number; rows: number };
  /** Stats refresh, ms (at most one task/stats call per this; default {@link STATS_EVERY_MS}). */
  statsEveryMs?: number;
  /** First filters (from the command line). */
  filters?: Partial<TopFilters>;
}

/**
 * How often top asks for CPU, memory and ports (task/stats), in ms. Two seconds, between htop's 1.5 s and
 * top's 3 s: with top open and idle over 50 live tasks on a loaded 2-core machine, asking every second
 * cost the daemon 1.5–1.8 s of CPU a minute.
 */
export const STATS_EVERY_MS = 2000;

/** Signals the kill chooser offers, in order. */
export const KILL_SIGNALS: readonly SignalName[] = (
  ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGSTOP', 'SIGCONT'] as const
).filter((s) => (SIGNAL_NAMES as readonly string[]).includes(s)) as SignalName[];

type Prompt =
  | { kind: 'stop'; task: Task }
  | { kind: 'remove'; task: Task }
  | { kind: 'restart'; task: Task }
  | { kind: 'signal'; task: Task; index: number }
  | { kind: 'search'; text: string };

/** The help screen's lines (`?`). */
export function helpLines(canRestart: boolean): string[] {
  return [
    'tend top — keys',
    '',
    '  ↑ ↓ j k      move            PgUp PgDn Home End   page, first, last',
    '  Enter        open the task (live output, metadata); Esc or q goes back',
    '  x            stop the task (SIGTERM, SIGKILL after the grace period); asks first',
    '  K            send a signal: pick one with ↑ ↓ and Enter',
    ...(canRestart ? ['  r            restart the task; asks first'] : []),
    '  d            remove an ended task and its output; asks first',
    '  y            copy the task id to the clipboard (OSC 52)',
    '  o            open the log in $PAGER (default less -R)',
    '  h            show ended tasks too (history)',
    '  /            search id, name, command, session; Enter keeps it, Esc clears it',
    '  s p f        cycle the session, project and state filter; 0 clears every filter',
    '  in the detail: ↑ ↓ PgUp PgDn scroll back, End follows, c toggles --clean',
    '  q Esc        quit (Ctrl-C too)',
    '',
    'An ended task counts as unread until you open it (top keeps this itself; agents’ read cursors do not move).',
    'Press any key to go back.',
  ];
}

/** The help line at the bottom for a view. */
function footer(view: 'list' | 'detail', canRestart: boolean): string {
  const restart = canRestart ? ' r restart' : '';
  return view === 'list'
    ? `↑↓ move  Enter open  x stop  K signal${restart}  d rm  y copy id  o pager  h history  / search  s/p/f filter  ? help  q quit`
    : `↑↓ PgUp/PgDn scroll  End follow  c clean  x stop  K signal${restart}  d rm  y copy id  o pager  ? help  Esc back`;
}

/** Next value in a cycle through `values` and undefined (no filter). */
function cycle<T>(values: readonly T[], current: T | undefined): T | undefined {
  if (values.length === 0) return undefined;
  if (current === undefined) return values[0];
  const at = values.indexOf(current);
  return at === -1 || at === values.length - 1 ? undefined : values[at + 1];
}

/**
 * The live tail of one task for the detail pane: follows from up to {@link LOG_KEEP_CHARS} before the
 * end with the client's long-poll follow (no offset cursor moves: no `since`, no `reader`), keeping the
 * last LOG_KEEP_CHARS characters.
 */
function useLogTail(client: TopClient, task: Task | undefined): { text: string; error?: string } {
  const [state, setState] = useState<{ text: string; error?: string }>({ text: '' });
  const id = task?.id;
  const start = task ? Math.max(task.droppedBytes ?? 0, task.outputBytes - LOG_KEEP_CHARS) : 0;
  // biome-ignore lint/correctness/useExhaustiveDependencies: start is read once per opened task
  useEffect(() => {
    if (id === undefined) return;
    setState({ text: '' });
    const abort = new AbortController();
    let text = '';
    (async () => {
      try {
        for await (const chunk of client.follow(id, { offset: start, signal: abort.signal })) {
          if (abort.signal.aborted) return;
          text += chunk.data;
          if (text.length > LOG_KEEP_CHARS) text = text.slice(text.length - LOG_KEEP_CHARS);
          setState({ text });
        }
      } catch (error) {
        if (!abort.signal.aborted) setState({ text, error: (error as Error).message });
      }
    })();
    return () => abort.abort();
  }, [client, id]);
  return state;
}

/**
 * `tend top`'s whole screen: the task list (live from task/didChange and task/didExit, stats at most
 * every `statsEveryMs`), or the detail pane of one task, or the help; a header with counts, filters and
 * connection news, a prompt or message line, and a help line.
 */
export function TopApp(props: TopProps): ReactNode {
  const { client, host, color } = props;
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => ({
    columns: props.size?.columns ?? stdout.columns ?? 80,
    rows: props.size?.rows ?? stdout.rows ?? 24,
  }));
  const [tasks, setTasks] = useState<ReadonlyMap<string, Task>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const [stats, setStats] = useState<ReadonlyMap<string, TaskStatsEntry>>(new Map());
  const [unread, setUnread] = useState<ReadonlySet<string>>(new Set());
  const [filters, setFilters] = useState<TopFilters>({ history: false, ...props.filters });
  const [selectedId, setSelectedId] = useState<string | undefined>();
  const [view, setView] = useState<'list' | 'detail' | 'help'>('list');
  const [prompt, setPrompt] = useState<Prompt | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const [scroll, setScroll] = useState(0);
  const [clean, setClean] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const [daemonPid, setDaemonPid] = useState(client.daemon.pid);
  const canRestart = typeof client.restart === 'function';
  const helpBack = useRef<'list' | 'detail'>('list');

  useEffect(() => {
    if (props.size) return;
    const onResize = () => setSize({ columns: stdout.columns ?? 80, rows: stdout.rows ?? 24 });
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout, props.size]);

  const load = useCallback(async () => {
    try {
      const list = await client.list({ limit: 1000 });
      setTasks(new Map(list.map((task) => [task.id, task])));
      setLoaded(true);
    } catch (error) {
      setMessage(`cannot list tasks: ${(error as Error).message}`);
    }
  }, [client]);

  // The list, then changes as the daemon notifies them; a reconnect reloads it.
  useEffect(() => {
    const subscriptions = [
      client.onTaskDidChange(({ task, removed }) => {
        setTasks((old) => {
          const next = new Map(old);
          if (removed) next.delete(task.id);
          else next.set(task.id, { ...task, restarts: task.restarts ?? 0 });
          return next;
        });
        if (removed)
          setUnread((old) => {
            if (!old.has(task.id)) return old;
            const next = new Set(old);
            next.delete(task.id);
            return next;
          });
      }),
      client.onTaskDidExit(({ completion }) => {
        setUnread((old) => new Set(old).add(completion.taskId));
      }),
      client.onReconnect((daemon) => {
        setDaemonPid(daemon.pid);
        setMessage(
          `reconnected to the tend daemon (pid ${daemon.pid}) at ${new Date().toLocaleTimeString()}`,
        );
        void load();
      }),
      client.onClose((error) => {
        setMessage(`lost the tend daemon${error ? `: ${error.message}` : ''}; q quits`);
      }),
    ];
    void load();
    return () => {
      for (const s of subscriptions) s.dispose();
    };
  }, [client, load]);

  const visible = useMemo(() => visibleTasks(tasks.values(), filters, unread), [tasks, filters, unread]);
  const selectedIndex = Math.max(
    0,
    visible.findIndex((t) => t.id === selectedId),
  );
  const selected: Task | undefined =
    visible[selectedIndex] ?? (selectedId ? tasks.get(selectedId) : undefined);
  const detailTask = view === 'detail' && selectedId ? tasks.get(selectedId) : undefined;
  const tail = useLogTail(client, view === 'detail' ? detailTask : undefined);

  const listHeight = Math.max(1, size.rows - 4);
  const detailLogHeight = Math.max(1, size.rows - 4 - 7);
  const firstRow = Math.max(
    0,
    Math.min(
      selectedIndex,
      Math.max(0, Math.min(selectedIndex - listHeight + 1, visible.length - listHeight)),
    ),
  );
  const page = visible.slice(firstRow, firstRow + listHeight);
  // Stats are asked for the live tasks on screen only (task/stats reads /proc per process: measured over
  // 50 live tasks, 1.5 s of daemon CPU a minute when asking for all of them every second).
  const statIds = (view === 'detail' ? (detailTask ? [detailTask] : []) : page)
    .filter((t) => !isTerminal(t.state))
    .map((t) => t.id);
  const statKey = statIds.join(',');

  // Stats of the live tasks on screen at most every statsEveryMs; the clock of ages ticks with it
  // (no daemon call when no live task is shown).
  // biome-ignore lint/correctness/useExhaustiveDependencies: statKey stands for statIds
  useEffect(() => {
    let stopped = false;
    const every = props.statsEveryMs ?? STATS_EVERY_MS;
    const tick = async () => {
      setNow(Date.now());
      if (statIds.length === 0) return;
      try {
        const entries = await client.stats(statIds);
        if (!stopped) setStats(new Map(entries.map((e) => [e.id, e])));
      } catch {
        // An older daemon without task/stats, or a task removed meanwhile: figures stay as they were.
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), every);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [client, statKey, props.statsEveryMs]);

  // Opening a task reads it: it is no longer unread.
  useEffect(() => {
    if (view !== 'detail' || !detailTask || !unread.has(detailTask.id)) return;
    setUnread((old) => {
      const next = new Set(old);
      next.delete(detailTask.id);
      return next;
    });
  }, [view, detailTask, unread]);

  const act = (label: string, run: () => Promise<unknown>) => {
    setMessage(`${label}…`);
    run().then(
      () => setMessage(`${label}: done`),
      (error: Error) => setMessage(`${label}: ${error.message}`),
    );
  };

  // Keys go to the handler of the latest render: Ink re-subscribes useInput's handler in an effect, so
  // a key arriving right after another would otherwise meet the state of the render before.
  const onKey = useRef<(input: string, key: Key) => void>(() => undefined);
  // Every key is handled after a render, one per render (queued here, taken by the effect below), so that it
  // meets the state the key before it made: keys typed ahead reach Ink in one read and come as one input
  // ("/web", "xy"), and keys read apart can still come before React has rendered the first one's change.
  const typedAhead = useRef<[string, Key][]>([]);
  const [keyTick, setKeyTick] = useState(0);
  useInput((input, key) => {
    typedAhead.current.push(...splitTypedAhead(input, key));
    setKeyTick((tick) => tick + 1);
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyTick is the trigger; the queue is a ref
  useEffect(() => {
    const next = typedAhead.current.shift();
    if (next === undefined) return;
    onKey.current(next[0], next[1]);
    if (typedAhead.current.length > 0) setKeyTick((tick) => tick + 1);
  }, [keyTick]);
  onKey.current = (input, key) => {
    if (key.ctrl && input === 'c') {
      exit();
      return;
    }
    if (view === 'help') {
      setView(helpBack.current);
      return;
    }
    if (prompt) {
      if (prompt.kind === 'search') {
        if (key.return) setPrompt(undefined);
        else if (key.escape) {
          setPrompt(undefined);
          setFilters((f) => ({ ...f, search: undefined }));
        } else if (key.backspace || key.delete) {
          setPrompt((p) => (p?.kind === 'search' ? { kind: 'search', text: p.text.slice(0, -1) } : p));
          setFilters((f) => ({ ...f, search: f.search?.slice(0, -1) || undefined }));
        } else if (input && !key.ctrl && !key.meta) {
          setPrompt((p) => (p?.kind === 'search' ? { kind: 'search', text: p.text + input } : p));
          setFilters((f) => ({ ...f, search: (f.search ?? '') + input }));
        }
        return;
      }
      if (prompt.kind === 'signal') {
        if (key.upArrow) setPrompt({ ...prompt, index: Math.max(0, prompt.index - 1) });
        else if (key.downArrow)
          setPrompt({ ...prompt, index: Math.min(KILL_SIGNALS.length - 1, prompt.index + 1) });
        else if (key.return) {
          const signal = KILL_SIGNALS[prompt.index] as SignalName;
          const id = prompt.task.id;
          setPrompt(undefined);
          act(`${signal} to ${id}`, () => client.kill(id, { signal, wait: false }));
        } else if (key.escape || input === 'q') setPrompt(undefined);
        return;
      }
      if (input === 'y' || input === 'Y') {
        const id = prompt.task.id;
        setPrompt(undefined);
        if (prompt.kind === 'stop') act(`stop ${id}`, () => client.kill(id, {}));
        else if (prompt.kind === 'remove') {
          act(`remove ${id}`, () => client.remove(id));
          if (view === 'detail') setView('list');
        } else if (prompt.kind === 'restart' && client.restart) {
          const restart = client.restart;
          act(`restart ${id}`, () => restart(id));
        }
      } else setPrompt(undefined);
      return;
    }

    // Keys of both views, on the selected task.
    const task = view === 'detail' ? detailTask : selected;
    if (input === '?') {
      helpBack.current = view;
      return setView('help');
    }
    if (input === 'x' && task) {
      if (isTerminal(task.state) && !task.leftovers?.running) return setMessage(`${task.id} has ended`);
      return setPrompt({ kind: 'stop', task });
    }
    if (input === 'K' && task) return setPrompt({ kind: 'signal', task, index: 0 });
    if (input === 'r' && task && canRestart) return setPrompt({ kind: 'restart', task });
    if (input === 'd' && task) {
      if (!isTerminal(task.state)) return setMessage(`${task.id} is ${task.state}: stop it first (x)`);
      return setPrompt({ kind: 'remove', task });
    }
    if (input === 'y' && task) {
      host.copy(task.id);
      return setMessage(`copied ${task.id}`);
    }
    if (input === 'o' && task) {
      host.page(task.logPath);
      return;
    }

    if (view === 'detail') {
      const page = detailLogHeight;
      if (key.escape || input === 'q' || key.leftArrow) {
        setView('list');
        setScroll(0);
      } else if (key.upArrow || input === 'k') setScroll((s) => s + 1);
      else if (key.downArrow || input === 'j') setScroll((s) => Math.max(0, s - 1));
      else if (key.pageUp) setScroll((s) => s + page);
      else if (key.pageDown) setScroll((s) => Math.max(0, s - page));
      else if (key.end || input === 'G') setScroll(0);
      else if (key.home || input === 'g') setScroll(Number.MAX_SAFE_INTEGER);
      else if (input === 'c') setClean((c) => !c);
      return;
    }

    const move = (to: number) => {
      const task = visible[Math.max(0, Math.min(visible.length - 1, to))];
      if (task) setSelectedId(task.id);
    };
    if (key.escape && filters.search) setFilters((f) => ({ ...f, search: undefined }));
    else if (input === 'q' || key.escape) exit();
    else if (key.upArrow || input === 'k') move(selectedIndex - 1);
    else if (key.downArrow || input === 'j') move(selectedIndex + 1);
    else if (key.pageUp) move(selectedIndex - listHeight);
    else if (key.pageDown) move(selectedIndex + listHeight);
    else if (key.home || input === 'g') move(0);
    else if (key.end || input === 'G') move(visible.length - 1);
    else if (key.return && selected) {
      setSelectedId(selected.id);
      setScroll(0);
      setView('detail');
    } else if (input === 'h') setFilters((f) => ({ ...f, history: !f.history }));
    else if (input === '/') setPrompt({ kind: 'search', text: filters.search ?? '' });
    else if (input === 's') {
      const sessions = [
        ...new Set([...tasks.values()].flatMap((t) => (t.session ? [t.session] : []))),
      ].sort();
      setFilters((f) => ({ ...f, session: cycle(sessions, f.session) }));
    } else if (input === 'p') {
      const projects = [...new Set([...tasks.values()].flatMap((t) => projectOf(t) ?? []))].sort();
      if (projects.length === 0) setMessage('no task belongs to a project');
      setFilters((f) => ({ ...f, project: cycle(projects, f.project) }));
    } else if (input === 'f') {
      const states = [...new Set([...tasks.values()].map((t) => t.state))].sort();
      setFilters((f) => ({
        ...f,
        state: cycle(states, f.state),
        history: f.history || states.some(isTerminal),
      }));
    } else if (input === '0') setFilters((f) => ({ history: f.history }));
  };

  const stateText = (state: Task['state'], text: string): ReactNode =>
    color ? h(Text, { color: String(STATE_STYLES[state]) }, text) : text;

  const live = [...tasks.values()].filter((t) => !isTerminal(t.state)).length;
  const filterNote = [
    filters.session !== undefined ? `session=${filters.session}` : '',
    filters.project !== undefined ? `project=${filters.project}` : '',
    filters.state !== undefined ? `state=${filters.state}` : '',
    filters.search ? `search="${filters.search}"` : '',
    filters.history ? 'history' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const header = `tend top · daemon pid ${daemonPid} · ${tasks.size} tasks, ${live} live · ${unread.size} unread${
    filterNote ? ` · ${filterNote}` : ''
  }`;
  const headerLine = h(Text, { bold: true, wrap: 'truncate' }, header.slice(0, size.columns));

  const promptLine = (): string => {
    if (!prompt) return message ?? (loaded ? '' : 'loading…');
    if (prompt.kind === 'search') return `/${prompt.text}▏ (Enter keeps, Esc clears)`;
    if (prompt.kind === 'signal') return `signal to ${prompt.task.id}: ↑↓ choose, Enter sends, Esc cancels`;
    const name = prompt.task.name ? ` (${prompt.task.name})` : '';
    return `${prompt.kind} ${prompt.task.id}${name}? y/N`;
  };
  const bottom = [
    h(
      Text,
      { key: 'prompt', wrap: 'truncate', ...(prompt && prompt.kind !== 'search' ? { bold: true } : {}) },
      promptLine(),
    ),
    h(
      Text,
      { key: 'help', wrap: 'truncate', dimColor: color },
      footer(view === 'detail' ? 'detail' : 'list', canRestart),
    ),
  ];

  if (view === 'help') {
    return h(
      Box,
      { flexDirection: 'column', height: size.rows - 1 },
      ...helpLines(canRestart)
        .slice(0, size.rows - 1)
        .map((line, i) => h(Text, { key: i, wrap: 'truncate' }, line || ' ')),
    );
  }

  if (prompt?.kind === 'signal') {
    return h(
      Box,
      { flexDirection: 'column', height: size.rows - 1 },
      headerLine,
      h(
        Text,
        { wrap: 'truncate' },
        `Send a signal to ${prompt.task.id}${prompt.task.name ? ` (${prompt.task.name})` : ''}:`,
      ),
      ...KILL_SIGNALS.map((signal, i) =>
        h(Text, { key: signal, inverse: i === prompt.index }, `${i === prompt.index ? '›' : ' '} ${signal}`),
      ),
      h(Box, { flexGrow: 1 }),
      ...bottom,
    );
  }

  if (view === 'detail' && detailTask) {
    const t = detailTask;
    const figures = stats.get(t.id);
    const lines = logLines(tail.text, { clean, color });
    const maxScroll = Math.max(0, lines.length - detailLogHeight);
    const from = Math.max(0, lines.length - detailLogHeight - Math.min(scroll, maxScroll));
    const shown = lines.slice(from, from + detailLogHeight);
    const exitText = exitColumn(t);
    const meta = [
      `${t.id}${t.name ? ` (${t.name})` : ''}  ${t.state}${exitText ? `  exit ${exitText}` : ''}${t.reason ? ` — ${t.reason}` : ''}`,
      `command  ${t.command}`,
      `cwd      ${t.cwd}${t.session ? `   session ${t.session}` : ''}${projectOf(t) ? `   project ${projectOf(t)}` : ''}`,
      `created  ${formatAgo(t.createdAt, now)}${t.pid !== undefined ? `   pid ${t.pid}` : ''}${
        isTerminal(t.state) && t.durationMs !== undefined ? `   ran ${formatSpan(t.durationMs)}` : ''
      }${figures ? `   cpu ${formatCpu(figures.cpuPercent)}  mem ${formatBytes(figures.rssBytes)}` : ''}`,
      `log      ${t.logPath} (${t.outputBytes} bytes)`,
      `── output${clean ? ' (clean)' : ''}${scroll > 0 && maxScroll > 0 ? ` · ${Math.min(scroll, maxScroll)} lines up` : ' · following'}${
        tail.error ? ` · ${tail.error}` : ''
      } ${'─'.repeat(Math.max(0, size.columns - 40))}`,
    ];
    return h(
      Box,
      { flexDirection: 'column', height: size.rows - 1 },
      headerLine,
      ...meta.map((line, i) =>
        h(Text, { key: `m${i}`, wrap: 'truncate' }, i === 0 ? stateText(t.state, line) : line),
      ),
      h(
        Box,
        { flexDirection: 'column', height: detailLogHeight },
        ...shown.map((line, i) => h(Text, { key: `l${from + i}`, wrap: 'truncate' }, line || ' ')),
      ),
      h(Box, { flexGrow: 1 }),
      ...bottom,
    );
  }

  const cols = columnsFor(size.columns);
  const rows = page.map((task) => {
    const line = layoutRow(rowCells(task, cols, stats.get(task.id), now), cols, size.columns);
    const isSelected = task.id === selected?.id;
    const mark = unread.has(task.id) ? '•' : ' ';
    // The unread mark sits in the last cell of the ID column (ids are 8 characters, the column 11, which starts with the selection mark).
    const idWidth = cols[0]?.width ?? 10;
    // `›` marks the selected row also where inverse video does not show (NO_COLOR terminals, tests).
    const text = `${isSelected ? '›' : ' '}${line.slice(1, idWidth - 2)}${mark}${line.slice(idWidth - 1)}`;
    if (isSelected) return h(Text, { key: task.id, inverse: true, wrap: 'truncate' }, text);
    const stateStart = idWidth;
    const stateWidth = cols[1]?.width ?? 10;
    return h(
      Text,
      { key: task.id, wrap: 'truncate' },
      text.slice(0, stateStart),
      stateText(task.state, text.slice(stateStart, stateStart + stateWidth)),
      text.slice(stateStart + stateWidth),
    );
  });
  return h(
    Box,
    { flexDirection: 'column', height: size.rows - 1 },
    headerLine,
    h(
      Text,
      { bold: true, wrap: 'truncate' },
      layoutRow(
        cols.map((c) => c.heading),
        cols,
        size.columns,
      ),
    ),
    ...(rows.length > 0
      ? rows
      : [
          h(
            Text,
            { key: 'none', dimColor: color },
            loaded
              ? filters.history || filterNote
                ? 'no task matches'
                : 'no live task (h shows ended ones)'
              : 'loading…',
          ),
        ]),
    h(Box, { flexGrow: 1 }),
    ...bottom,
  );
}

/**
 * One Ink input as the keystrokes it holds: Ink's parser gives a run of printable characters read at once
 * (keys typed ahead, a paste) as one `input`, e.g. "/web" or "xy\r". Control sequences and single keys come
 * back as they are; each character of a longer run becomes a key of its own (`\r` Return, DEL/BS Backspace,
 * `\t` Tab).
 * @returns `[input, key]` pairs in typing order (empty for an empty input without a key).
 */
export function splitTypedAhead(input: string, key: Key): [string, Key][] {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta || key.escape) return [[input, key]];
  return chars.map((c) => [
    c,
    { ...key, return: c === '\r', backspace: c === '\x7f' || c === '\b', tab: c === '\t', shift: false },
  ]);
}
