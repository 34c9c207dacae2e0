// `tend ps --filter KEY=VALUE` and `tend top`'s filters: one table of keys, each a test on a task.
import { isAbsolute, resolve } from 'node:path';
import { SIGNAL_NAMES, TASK_STATES, type Task } from '@tend/protocol/wire';
import { CliError } from './errors.js';

/**
 * One filter key: how a VALUE given on the command line is checked (`parse`, which throws CliError on a
 * bad value) and how a task is tested against it.
 */
interface FilterKey {
  /** What VALUE may be, for error messages and `--help`. */
  readonly values: string;
  readonly parse: (value: string) => string;
  readonly test: (task: Task, value: string) => boolean;
}

/**
 * The filter keys of `tend ps --filter` (docker's semantics: a key given several times matches any of its
 * values, different keys must all match). `status` and `exited` are docker's names for `state` and `exit`.
 */
export const FILTER_KEYS: Readonly<Record<string, FilterKey>> = {
  id: {
    values: 'a task id or id prefix',
    parse: (v) => v,
    test: (task, v) => task.id.startsWith(v),
  },
  name: {
    values: 'part of a task name (docker: a substring)',
    parse: (v) => v,
    test: (task, v) => task.name?.includes(v) ?? false,
  },
  state: {
    values: TASK_STATES.join(', '),
    parse: (v) => {
      if (!(TASK_STATES as readonly string[]).includes(v))
        throw new CliError(`--filter state=${v}: no such state; one of ${TASK_STATES.join(', ')}`);
      return v;
    },
    test: (task, v) => task.state === v,
  },
  session: {
    values: 'a session id',
    parse: (v) => v,
    test: (task, v) => task.session === v,
  },
  project: {
    values: 'a project root directory (tasks started from its tend.toml)',
    parse: (v) => (isAbsolute(v) ? v : resolve(v)),
    test: (task, v) => task.project === v,
  },
  exit: {
    values: 'an exit code (0-255) or the signal that ended the task (SIGKILL)',
    parse: (v) => {
      if (/^\d{1,3}$/.test(v) && Number(v) <= 255) return String(Number(v));
      if ((SIGNAL_NAMES as readonly string[]).includes(v)) return v;
      throw new CliError(`--filter exit=${v}: give an exit code 0-255 or a signal name such as SIGKILL`);
    },
    test: (task, v) => (/^\d/.test(v) ? task.exitCode === Number(v) : task.signal === v),
  },
};

/** Docker's names of keys, read as tend's. */
const KEY_ALIASES: Readonly<Record<string, string>> = { status: 'state', exited: 'exit' };

/** Parsed `--filter`s: values by key (a key's values are alternatives). */
export type TaskFilter = ReadonlyMap<string, readonly string[]>;

/**
 * Parses `--filter KEY=VALUE` arguments into a {@link TaskFilter}.
 * @throws CliError naming an argument without `=`, an unknown key (listing the known ones) or a bad value.
 */
export function parseFilters(args: readonly string[]): TaskFilter {
  const filter = new Map<string, string[]>();
  for (const arg of args) {
    const at = arg.indexOf('=');
    if (at <= 0) throw new CliError(`--filter ${arg}: expected KEY=VALUE, e.g. state=failed`);
    const given = arg.slice(0, at);
    const key = KEY_ALIASES[given] ?? given;
    const spec = FILTER_KEYS[key];
    if (!spec)
      throw new CliError(
        `--filter ${arg}: unknown key ${given}; one of ${Object.keys(FILTER_KEYS).join(', ')}`,
      );
    const value = spec.parse(arg.slice(at + 1));
    filter.set(key, [...(filter.get(key) ?? []), value]);
  }
  return filter;
}

/** True when `task` passes every key of `filter` (one of each key's values). */
export function matchesFilter(task: Task, filter: TaskFilter): boolean {
  for (const [key, values] of filter) {
    const spec = FILTER_KEYS[key];
    if (spec && !values.some((value) => spec.test(task, value))) return false;
  }
  return true;
}

/** `--help` text listing the filter keys. */
export function filterHelp(): string {
  return Object.entries(FILTER_KEYS)
    .map(([key, spec]) => `  ${key.padEnd(8)}${spec.values}`)
    .join('\n');
}
