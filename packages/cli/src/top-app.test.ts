import type { Task } from '@tend/protocol';

import type { FollowChunk } from '@tend/client';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTask } from '../../../test/support/task.mjs';
import type { Key } from 'ink';
import { splitTypedAhead, TopApp, type TopClient, type TopHost } from './top-app.js';
import { logLines, visibleTasks } from './top-model.js';

type Listener = (params: never) => void;

/**
 * A client that keeps tasks in memory and records what top asked of it. Notifications are sent with
 * `notifyChange`/`notifyExit`; `append` adds output that a `follow` in progress yields.
 */
class FakeClient {
  readonly daemon = { pid: 4242 };
  readonly tasks = new Map<string, Task>();
  readonly calls: string[] = [];
  readonly output = new Map<string, string>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly waiters = new Set<() => void>();
  restart?: (id: string) => Promise<unknown>;

  constructor(tasks: Task[]) {
    for (const task of tasks) this.tasks.set(task.id, task);
  }

  private on(kind: string, listener: Listener) {
    const set = this.listeners.get(kind) ?? new Set();
    set.add(listener);
    this.listeners.set(kind, set);
    return { dispose: () => set.delete(listener) };
  }
  private emit(kind: string, params: unknown) {
    for (const listener of this.listeners.get(kind) ?? []) (listener as (p: unknown) => void)(params);
  }

  list = async () => [...this.tasks.values()];
  stats = async () =>
    [...this.tasks.values()]
      .filter((t) => t.state === 'running')
      .map((t) => ({
        id: t.id,
        pids: [1],
        cpuPercent: 2.5,
        rssBytes: 3 * 1024 * 1024,
        ports: [{ port: 3000, address: '127.0.0.1', family: 'tcp' as const, pid: 1 }],
      }));
  kill = async (id: string, options: { signal?: string } = {}) => {
    this.calls.push(`kill ${id} ${options.signal ?? 'SIGTERM'}`);
    return { task: this.tasks.get(id) as Task };
  };
  remove = async (id: string) => {
    this.calls.push(`remove ${id}`);
    return this.tasks.get(id) as Task;
  };
  follow = (
    id: string,
    options: { offset?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<FollowChunk> => {
    this.calls.push(`follow ${id} ${options.offset ?? 0}`);
    const self = this;
    return (async function* () {
      let offset = options.offset ?? 0;
      while (!options.signal?.aborted) {
        const text = self.output.get(id) ?? '';
        if (text.length > offset) {
          yield { data: text.slice(offset), offset, nextOffset: text.length, skippedBytes: 0 };
          offset = text.length;
        } else await new Promise<void>((resolve) => self.waiters.add(resolve));
      }
    })();
  };
  onTaskDidChange = (l: Listener) => this.on('change', l);
  onTaskDidExit = (l: Listener) => this.on('exit', l);
  onReconnect = (l: Listener) => this.on('reconnect', l);
  onClose = (l: Listener) => this.on('close', l);

  notifyChange(task: Task, removed = false) {
    this.tasks.set(task.id, task);
    if (removed) this.tasks.delete(task.id);
    this.emit('change', removed ? { task, removed } : { task });
  }
  notifyExit(task: Task) {
    this.notifyChange(task);
    this.emit('exit', {
      completion: {
        seq: 1,
        taskId: task.id,
        state: task.state,
        command: task.command,
        endedAt: task.endedAt,
        tail: '',
      },
    });
  }
  reconnect(pid: number) {
    this.emit('reconnect', { pid });
  }
  append(id: string, text: string) {
    this.output.set(id, (this.output.get(id) ?? '') + text);
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }
}

const T0 = new Date(Date.now() - 60_000).toISOString();
const web = makeTask({
  id: 'web00001',
  name: 'web',
  state: 'running',
  command: 'npm run dev',
  createdAt: T0,
  session: 'agent-1',
});
const build = makeTask({
  id: 'bld00002',
  name: 'build',
  state: 'failed',
  exitCode: 2,
  command: 'make',
  createdAt: T0,
  endedAt: T0,
  durationMs: 1500,
});
const worker = makeTask({
  id: 'wrk00003',
  state: 'starting',
  command: 'node worker.js',
  createdAt: new Date().toISOString(),
});

const KEYS = { down: '\u001b[B', up: '\u001b[A', enter: '\r', escape: '\u001b' };

function setup(
  tasks: Task[] = [web, build, worker],
  options: { color?: boolean; columns?: number; rows?: number; restart?: boolean } = {},
) {
  const client = new FakeClient(tasks);
  if (options.restart) client.restart = async (id) => client.calls.push(`restart ${id}`);
  const host = { copied: [] as string[], paged: [] as string[] };
  const topHost: TopHost = { copy: (t) => host.copied.push(t), page: (p) => host.paged.push(p) };
  const app = render(
    createElement(TopApp, {
      client: client as unknown as TopClient,
      host: topHost,
      color: options.color ?? false,
      size: { columns: options.columns ?? 120, rows: options.rows ?? 24 },
      statsEveryMs: 50,
    }),
  );
  // ink-testing-library's stdout is 100 columns wide: give it the width top is told.
  Object.defineProperty(app.stdout, 'columns', { value: options.columns ?? 120 });
  const frame = () => app.lastFrame() ?? '';
  const until = (check: (frame: string) => boolean) =>
    vi.waitFor(() => {
      if (!check(frame())) throw new Error(`not yet:\n${frame()}`);
    }, 5000);
  const press = async (key: string) => {
    app.stdin.write(key);
    // One keystroke per render: wait for Ink to take it in.
    await new Promise((resolve) => setTimeout(resolve, 20));
  };
  return { client, host, app, frame, until, press };
}

/** A Key with no flag set. */
const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

describe('tend top list', () => {
  it('lists live tasks, running first, with state, name, session, age, CPU, MEM and ports; h adds ended ones', async () => {
    const t = setup();
    cleanup = t.app.unmount;
    await t.until((f) => f.includes('2.5%'));
    const lines = t.frame().split('\n');
    expect(lines[0]).toContain('daemon pid 4242 · 3 tasks, 2 live · 0 unread');
    expect(lines[1]).toMatch(
      /^ ID\s+STATE\s+NAME\s+SESSION\/PROJECT\s+AGE\s+EXIT\s+CPU\s+MEM\s+PORTS\s+COMMAND/,
    );
    expect(lines[2]).toMatch(/^›web00001\s+running\s+web\s+agent-1\s+1m\s.*2\.5%\s+3M\s+3000\s+npm run dev/);
    expect(lines[3]).toMatch(/^ wrk00003\s+starting/);
    expect(t.frame()).not.toContain('bld00002');
    await t.press('h');
    await t.until((f) => f.includes('bld00002'));
    expect(t.frame()).toMatch(/bld00002\s+failed\s+build\s+1s\s+2\s/);
  });

  it('follows task/didChange and task/didExit: a task ending shows its exit code and counts as unread until opened', async () => {
    const t = setup();
    cleanup = t.app.unmount;
    await t.until((f) => f.includes('web00001'));
    t.client.notifyExit({ ...worker, state: 'succeeded', exitCode: 0, endedAt: new Date().toISOString() });
    await t.until((f) => f.includes('1 unread'));
    expect(t.frame()).toMatch(/wrk00003•\s+succeeded\s+.*\s0\s/);
    await t.press(KEYS.down);
    await t.until((f) => f.includes('›wrk00003•'));
    await t.press(KEYS.enter);
    await t.until((f) => f.includes('wrk00003  succeeded  exit 0'));
    await t.until((f) => f.includes('0 unread'));
    t.client.notifyChange(makeTask({ id: 'new00004', name: 'fresh', createdAt: new Date().toISOString() }));
    await t.until((f) => f.includes('4 tasks'));
  });

  it('fits 80 columns: SESSION/PROJECT and PORTS give way to COMMAND', async () => {
    const t = setup(undefined, { columns: 80 });
    cleanup = t.app.unmount;
    await t.until((f) => f.includes('2.5%'));
    for (const line of t.frame().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(t.frame()).not.toContain('PORTS');
    expect(t.frame().split('\n').length).toBeLessThanOrEqual(24);
  });

  it('filters by typed search, session (s) and state (f); 0 clears', async () => {
    const t = setup();
    cleanup = t.app.unmount;
    await t.until((f) => f.includes('web00001'));
    await t.press('/');
    for (const c of 'worker') await t.press(c);
    await t.until((f) => !f.includes('web00001') && f.includes('wrk00003'));
    await t.press(KEYS.enter);
    expect(t.frame()).toContain('search="worker"');
    await t.press('0');
    await t.press('s');
    await t.until((f) => f.includes('session=agent-1') && f.includes('web00001') && !f.includes('wrk00003'));
    await t.press('0');
    await t.press('f');
    await t.until((f) => f.includes('state=failed') && f.includes('bld00002') && !f.includes('web00001'));
  });

  it('takes keys typed ahead one by one, in one read or several before a render: "/worker⏎" searches, "xy" stops', async () => {
    const t = setup();
    cleanup = t.app.unmount;
    await t.until((f) => f.includes('web00001'));
    // One write: Ink gives the run as one input, as a terminal does for keys typed faster than a render;
    // then reads that come before a render (the tmux e2e's '/', 'ticker', Enter): each key in its turn.
    t.app.stdin.write('/wor');
    t.app.stdin.write('ke');
    t.app.stdin.write('r\r');
    await t.until(
      (f) =>
        f.includes('search="worker"') &&
        f.includes('wrk00003') &&
        !f.includes('web00001') &&
        !f.includes('(Enter keeps, Esc clears)'),
    );
    t.app.stdin.write('xy');
    await t.until((f) => f.includes('stop wrk00003: done'));
    expect(t.client.calls).toContain('kill wrk00003 SIGTERM');
  });

  it('adds no colour of its own with color off (NO_COLOR, --no-color)', async () => {
    const plain = setup();
    cleanup = plain.app.unmount;
    await plain.until((f) => f.includes('web00001'));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for colour escapes
    expect(plain.frame()).not.toMatch(/\u001b\[3\dm/);
  });

  it('shows a reconnect with the new daemon pid and loads the list again', async () => {
    const t = setup();
    cleanup = t.app.unmount;
    await t.until((f) => f.includes('web00001'));
    t.client.tasks.set('aft00005', makeTask({ id: 'aft00005', createdAt: new Date().toISOString() }));
    t.client.reconnect(5151);
    await t.until((f) => f.includes('reconnected to the tend daemon (pid 5151)') && f.includes('aft00005'));
    expect(t.frame()).toContain('daemon pid 5151');
  });
});

describe('tend top keys', () => {
  it('x asks, then y stops the selected task; any other key cancels', async () => {
    const t = setup();
    cleanup = t.app.unmount;
    await t.until((f) => f.includes('web00001'));
    await t.press('x');
    await t.until((f) => f.includes('stop web00001 (web)? y/N'));
    await t.press('n');
    await t.until((f) => !f.includes('y/N'));
    expect(t.client.calls.filter((c) => c.startsWith('kill'))).toEqual([]);
    await t.press('x');
    await t.press('y');
    await t.until((f) => f.includes('stop web00001: done'));
    expect(t.client.calls).toContain('kill web00001 SIGTERM');
  });

  it('K picks a signal; d removes only ended tasks; y copies the id; o pages the log', async () => {
    const t = setup();
    cleanup = t.app.unmount;
    await t.until((f) => f.includes('web00001'));
    await t.press('K');
    await t.until((f) => f.includes('Send a signal to web00001'));
    await t.press(KEYS.down);
    await t.press(KEYS.enter);
    await t.until((f) => f.includes('SIGKILL to web00001: done'));
    expect(t.client.calls).toContain('kill web00001 SIGKILL');
    await t.press('d');
    await t.until((f) => f.includes('web00001 is running: stop it first'));
    await t.press('y');
    expect(t.host.copied).toEqual(['web00001']);
    await t.press('o');
    expect(t.host.paged).toEqual([web.logPath]);
    await t.press('h');
    await t.press('G');
    await t.until((f) => f.includes('›bld00002'));
    await t.press('d');
    await t.until((f) => f.includes('remove bld00002 (build)? y/N'));
    await t.press('y');
    await t.until((f) => f.includes('remove bld00002: done'));
    expect(t.client.calls).toContain('remove bld00002');
  });

  it('? shows every key; no r without task/restart', async () => {
    const t = setup();
    cleanup = t.app.unmount;
    await t.until((f) => f.includes('web00001'));
    expect(t.frame()).not.toContain('r restart');
    await t.press('?');
    await t.until((f) => f.includes('tend top — keys'));
    expect(t.frame()).not.toContain('restart the task');
    await t.press(' ');
    await t.until((f) => f.includes('web00001'));
  });

  it('r asks, then restarts the task when the client has task/restart', async () => {
    const withRestart = setup(undefined, { restart: true });
    cleanup = withRestart.app.unmount;
    await withRestart.until((f) => f.includes('r restart') && f.includes('web00001'));
    await withRestart.press('r');
    await withRestart.until((f) => f.includes('restart web00001 (web)? y/N'));
    await withRestart.press('y');
    await withRestart.until((f) => f.includes('restart web00001: done'));
    expect(withRestart.client.calls).toContain('restart web00001');
  });
});

describe('tend top detail', () => {
  it('shows metadata and the live tail from the follow, scrolls back, toggles --clean, Esc goes back', async () => {
    const t = setup(undefined, { rows: 20 });
    cleanup = t.app.unmount;
    t.client.append('web00001', `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n')}\n`);
    await t.until((f) => f.includes('web00001'));
    await t.press(KEYS.enter);
    await t.until((f) => f.includes('line 30'));
    expect(t.frame()).toContain('command  npm run dev');
    expect(t.frame()).toContain('session agent-1');
    expect(t.frame()).toContain('following');
    expect(t.client.calls).toContain('follow web00001 0');
    t.client.append('web00001', '\u001b[31mred\u001b[0m progress 10%\rprogress 100%\nline 31\n');
    await t.until((f) => f.includes('line 31'));
    expect(t.frame()).toContain('progress 100%');
    await t.press(KEYS.up);
    await t.press(KEYS.up);
    await t.until((f) => f.includes('2 lines up') && !f.includes('line 31'));
    await t.press('c');
    await t.until((f) => f.includes('output (clean)'));
    await t.press(KEYS.escape);
    await t.until((f) => f.includes('SESSION/PROJECT'));
  });
});

describe('top-model', () => {
  it('splitTypedAhead: a run of characters is one key each; single keys and escapes stay whole', () => {
    const none = { ...NO_KEY };
    expect(splitTypedAhead('x', none)).toEqual([['x', none]]);
    expect(splitTypedAhead('', { ...none, upArrow: true })).toEqual([['', { ...none, upArrow: true }]]);
    expect(splitTypedAhead('ab', { ...none, meta: true })).toEqual([['ab', { ...none, meta: true }]]);
    const keys = splitTypedAhead('/a\r\x7f', none);
    expect(keys.map(([c]) => c)).toEqual(['/', 'a', '\r', '\x7f']);
    expect(keys.map(([, k]) => [k.return, k.backspace])).toEqual([
      [false, false],
      [false, false],
      [true, false],
      [false, true],
    ]);
  });

  it('visibleTasks: running, then other live, then ended; ended only with history or unread', () => {
    const ids = (history: boolean, unread = new Set<string>()) =>
      visibleTasks([build, worker, web], { history }, unread).map((t) => t.id);
    expect(ids(false)).toEqual(['web00001', 'wrk00003']);
    expect(ids(true)).toEqual(['web00001', 'wrk00003', 'bld00002']);
    expect(ids(false, new Set(['bld00002']))).toEqual(['web00001', 'wrk00003', 'bld00002']);
    const inProject = { ...web, id: 'prj00009', project: '/src/app' } as Task;
    expect(visibleTasks([web, inProject], { history: false, project: '/src/app' }).map((t) => t.id)).toEqual([
      'prj00009',
    ]);
  });

  it('logLines: keeps SGR only with colour, drops other escapes, shows \\r redraws in their last state', () => {
    const text = '\u001b[1;31mERR\u001b[0m\u001b[2K a\tb\n50%\r100%\r\n';
    expect(logLines(text, { clean: false, color: false })).toEqual(['ERR a        b', '100%']);
    expect(logLines(text, { clean: false, color: true })[0]).toBe('\u001b[1;31mERR\u001b[0m a        b');
    expect(logLines(text, { clean: true, color: true })).toEqual(['ERR a        b', '100%']);
  });
});
