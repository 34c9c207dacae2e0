// `tend top`: the full-screen task monitor. Loaded only when `top` runs (with Ink and React), so other
// commands do not pay for them.
import { spawnSync } from 'node:child_process';
import { render } from 'ink';
import { createElement } from 'react';
import { colorWanted } from './colors.js';
import { connect, type GlobalOptions } from './connect.js';
import { CliError } from './errors.js';
import { parseFilters } from './task-filter.js';
import { TopApp, type TopClient, type TopHost } from './top-app.js';
import type { TopFilters } from './top-model.js';

/** Options of `tend top`. */
export interface TopOptions extends GlobalOptions {
  /** `--filter KEY=VALUE` (session, project, state; as `ps`), the filters top starts with. */
  filter?: string[];
  /** `-a`: start with history (ended tasks) shown. */
  all?: boolean;
  /** `--no-color` gives false. */
  color?: boolean;
}

// Alternate screen on/off, cursor hidden/shown: the terminal is given back as it was.
const ENTER = '\u001b[?1049h\u001b[H';
const LEAVE = '\u001b[?25h\u001b[?1049l';

/**
 * Runs `tend top` until q, Esc or Ctrl-C: on the terminal's alternate screen, restored on exit, on a
 * crash (uncaught error: printed after the screen is restored) and on SIGTERM/SIGHUP. Connects like
 * every command (starting the daemon when none runs) and reconnects by itself when the daemon restarts
 * or crashes, saying so on screen.
 * @returns the exit code (0).
 * @throws CliError when stdin or stdout is no terminal, or on a bad --filter.
 */
export async function runTop(options: TopOptions): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY)
    throw new CliError('tend top needs a terminal; for scripts use tend ps (--json, --format, --filter)');
  const filters = startFilters(options);
  const client = await connect(options);
  const stdout = process.stdout;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    instance.unmount();
    restore();
    process.kill(process.pid, signal);
  };
  process.once('exit', restore);
  stdout.write(ENTER);
  const host: TopHost = {
    copy: (text) => stdout.write(`\u001b]52;c;${Buffer.from(text).toString('base64')}\u0007`),
    page: (path) => {
      const pager = process.env.PAGER || 'less -R';
      process.stdin.setRawMode?.(false);
      stdout.write('\u001b[?25h');
      spawnSync(process.env.SHELL || '/bin/sh', ['-c', `${pager} "$1"`, 'tend-pager', path], {
        stdio: 'inherit',
      });
      process.stdin.setRawMode?.(true);
      stdout.write('\u001b[2J\u001b[H');
      instance.clear();
      instance.rerender(app());
    },
  };
  const app = () =>
    createElement(TopApp, {
      client: client as TopClient,
      host,
      color: colorWanted(stdout, options),
      filters,
    });
  const instance = render(app(), { exitOnCtrlC: false, patchConsole: true, maxFps: 30 });
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    await instance.waitUntilExit();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    instance.cleanup();
    restore();
    await client.close().catch(() => undefined);
  }
  return 0;
}

/** The filters top starts with, from `--filter` (session, project, state) and `-a`. */
function startFilters(options: TopOptions): Partial<TopFilters> {
  const parsed = parseFilters(options.filter ?? []);
  const filters: Partial<TopFilters> = { history: options.all ?? false };
  for (const [key, values] of parsed) {
    if (values.length > 1)
      throw new CliError(`tend top --filter ${key}: give one value (top filters by one at a time)`);
    const value = values[0] as string;
    if (key === 'session') filters.session = value;
    else if (key === 'project') filters.project = value;
    else if (key === 'state') {
      filters.state = value as TopFilters['state'];
      filters.history = true;
    } else if (key === 'name') filters.search = value;
    else throw new CliError(`tend top --filter ${key}: top filters by session, project, state or name`);
  }
  return filters;
}
