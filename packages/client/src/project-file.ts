// tend.toml: found by walking up from a directory (as git finds .git), parsed with smol-toml (TOML 1.0,
// errors with line and column), checked against @tend/protocol's ProjectFileSchema (zod), and turned into
// project/up's params. Every error names the file, the line and the key.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  type DependencyCondition,
  type FileTask,
  ProjectFileSchema,
  type ProjectTaskSpec,
  type RestartPolicy,
  type ProjectUp,
  type ParamsOf,
} from '@tend/protocol';
import { PROJECT_FILE_NAME } from '@tend/protocol/wire';
import { parse, TomlError } from 'smol-toml';
import { parseDuration } from './duration.js';
import { findProjectFile } from './project-file-find.js';
import { deepest, describeKnown, type Issue, lineOf } from './project-file-errors.js';
import { EnvFileError, parseEnvFile } from './env-file.js';

/** Raised for a project file that cannot be found, read or parsed, or that breaks the schema. */
export class ProjectFileError extends Error {
  override name = 'ProjectFileError';
}

/** A loaded project file. */
export interface ProjectFile {
  /** Absolute path of the file. */
  file: string;
  /** The project: the file's directory, absolute. */
  project: string;
  /** Each task as project/up takes it (its `restart` key mapped to task/run's `restart` policy). */
  tasks: Record<string, ProjectTaskSpec>;
}

export { findProjectFile, lineOf };

/**
 * The project file named `file` (relative to `cwd`), or else the nearest tend.toml at or above `cwd`.
 * @throws ProjectFileError when there is none, or see {@link loadProjectFile}.
 */
export function locateProjectFile(cwd: string, file?: string): ProjectFile {
  const path = file !== undefined ? resolve(cwd, file) : findProjectFile(cwd);
  if (path === undefined)
    throw new ProjectFileError(
      `no ${PROJECT_FILE_NAME} in ${resolve(cwd)} or any directory above it; write one (see docs/tend-toml.md) or name one with -f FILE`,
    );
  return loadProjectFile(path);
}

/**
 * Reads and checks the project file at `path`: TOML syntax, then the schema (unknown keys, bad values),
 * then what the schema cannot see (depends_on naming undeclared tasks, env_file). Relative `cwd` and
 * `env_file` are taken from the file's directory; durations become ms and sizes bytes.
 * @throws ProjectFileError `<file>:<line>: <key>: <what is wrong>`.
 */
export function loadProjectFile(path: string): ProjectFile {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProjectFileError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? error.message;
      throw new ProjectFileError(`${file}:${error.line}:${error.column}: invalid TOML: ${first}`, {
        cause: error,
      });
    }
    throw error;
  }
  const checked = ProjectFileSchema().safeParse(raw);
  if (!checked.success) {
    const issue = deepest(checked.error.issues[0] as Issue);
    const keyPath = issue.path.map(String);
    // An unknown key is reported on its own path.
    const keys = issue.code === 'unrecognized_keys' ? (issue.keys ?? []) : [];
    const at = keys.length > 0 ? [...keyPath, keys[0] as string] : keyPath;
    const message = keys.length > 0 ? `unknown key (${describeKnown(keyPath)})` : issue.message;
    throw new ProjectFileError(`${file}:${lineOf(text, at)}: ${at.join('.') || '(top level)'}: ${message}`);
  }
  const project = dirname(file);
  const tasks: Record<string, ProjectTaskSpec> = {};
  for (const [name, task] of Object.entries(checked.data.tasks)) {
    const fail = (key: string[], message: string): never => {
      const at = ['tasks', name, ...key];
      throw new ProjectFileError(`${file}:${lineOf(text, at)}: ${at.join('.')}: ${message}`);
    };
    const dependsOn = dependencies(task.depends_on);
    for (const dep of Object.keys(dependsOn)) {
      if (!(dep in checked.data.tasks))
        fail(
          ['depends_on'],
          `"${dep}" is not a task of this file (tasks: ${Object.keys(checked.data.tasks).join(', ')})`,
        );
      if (dep === name) fail(['depends_on'], 'a task cannot depend on itself');
    }
    tasks[name] = {
      ...toSpec(project, task, dependsOn, fail),
      ...(task.restart !== undefined ? { restart: toRestart(task.restart, fail) } : {}),
    };
  }
  const cycle = findCycle(tasks);
  if (cycle) {
    const at = ['tasks', cycle[0] as string, 'depends_on'];
    throw new ProjectFileError(
      `${file}:${lineOf(text, at)}: ${at.join('.')}: dependency cycle: ${cycle.join(' → ')}; remove one of these depends_on`,
    );
  }
  return { file, project, tasks };
}

/** A dependency cycle among `tasks` as the list of its names (the first repeated at the end), or undefined. */
function findCycle(tasks: Record<string, ProjectTaskSpec>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const walk = (name: string): string[] | undefined => {
    if (done.has(name)) return undefined;
    const open = path.indexOf(name);
    if (open >= 0) return [...path.slice(open), name];
    path.push(name);
    for (const dep of Object.keys(tasks[name]?.dependsOn ?? {})) {
      const cycle = walk(dep);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(name);
    return undefined;
  };
  for (const name of Object.keys(tasks)) {
    const cycle = walk(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** project/up's params for `loaded`, bringing up `names` (default: all). */
export function projectUpParams(loaded: ProjectFile, names?: string[]): ParamsOf<typeof ProjectUp> {
  return {
    project: loaded.project,
    file: loaded.file,
    tasks: loaded.tasks,
    ...(names && names.length > 0 ? { names } : {}),
  };
}

/** Each task's dependencies, for project/down. */
export function projectDependencies(
  loaded: ProjectFile,
): Record<string, Record<string, DependencyCondition>> {
  return Object.fromEntries(Object.entries(loaded.tasks).map(([name, spec]) => [name, spec.dependsOn]));
}

function dependencies(value: FileTask['depends_on']): Record<string, DependencyCondition> {
  if (value === undefined) return {};
  if (Array.isArray(value)) return Object.fromEntries(value.map((dep) => [dep, 'ready' as const]));
  return value;
}

type Fail = (key: string[], message: string) => never;

function toSpec(
  project: string,
  task: FileTask,
  dependsOn: Record<string, DependencyCondition>,
  fail: Fail,
): ProjectTaskSpec {
  const cwd = task.cwd === undefined ? project : resolve(project, task.cwd);
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) fail(['cwd'], `${cwd} is not a directory`);
  let env: Record<string, string> = {};
  if (task.env_file !== undefined) {
    const envPath = isAbsolute(task.env_file) ? task.env_file : join(project, task.env_file);
    try {
      env = parseEnvFile(envPath);
    } catch (error) {
      fail(['env_file'], error instanceof EnvFileError ? error.message : String(error));
    }
  }
  env = { ...env, ...task.env };
  const ms = (key: string[], value: string | number | undefined): number | undefined => {
    if (value === undefined) return undefined;
    try {
      return typeof value === 'number' ? Math.round(value * 1000) : parseDuration(value);
    } catch (error) {
      return fail(key, (error as Error).message);
    }
  };
  const ready = task.ready;
  const readyTimeout = ms(['ready', 'timeout'], ready?.timeout);
  return {
    command: task.command,
    cwd,
    env,
    inheritEnv: true,
    tty: task.tty ?? false,
    notify: true,
    trigger: false,
    lifetime: task.lifetime ?? 'persistent',
    dependsOn,
    ...(ready !== undefined
      ? {
          ready: {
            ...(ready.output !== undefined ? { output: ready.output } : {}),
            ...(ready.port !== undefined ? { port: ready.port } : {}),
            ...(ready.http !== undefined ? { http: ready.http } : {}),
            ...(ready.command !== undefined ? { command: ready.command } : {}),
            ...(readyTimeout !== undefined ? { timeoutMs: readyTimeout } : {}),
          },
        }
      : {}),
    ...optional('timeoutMs', ms(['timeout'], task.timeout)),
    ...optional('ttlMs', ms(['ttl'], task.ttl)),
    ...optional('outputCapBytes', size(task.output_cap)),
    ...optional('memoryMaxBytes', size(task.memory_max)),
    ...optional('pidsMax', task.pids_max),
    ...optional('killLeftovers', task.kill_leftovers),
  };
}

/** The file's `restart` (a policy word, or a table with max_restarts, window, backoff, backoff_max) as task/run's. */
function toRestart(value: NonNullable<FileTask['restart']>, fail: Fail): RestartPolicy {
  if (typeof value === 'string') return { policy: value };
  const ms = (key: string, v: string | number | undefined) => {
    if (v === undefined) return undefined;
    try {
      return typeof v === 'number' ? Math.round(v * 1000) : parseDuration(v);
    } catch (error) {
      return fail(['restart', key], (error as Error).message);
    }
  };
  return {
    policy: value.policy,
    ...optional('maxRestarts', value.max_restarts),
    ...optional('windowMs', ms('window', value.window)),
    ...optional('backoffMs', ms('backoff', value.backoff)),
    ...optional('backoffMaxMs', ms('backoff_max', value.backoff_max)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

const UNITS = ['', 'k', 'm', 'g', 't'];

/** Bytes of a tend.toml size (a number of bytes, or "64KiB", "10M", "1GiB": powers of 1024). */
function size(value: string | number | undefined): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])i?b?|b)?\s*$/i.exec(value) as RegExpExecArray;
  return Math.floor(Number(match[1]) * 1024 ** UNITS.indexOf((match[2] ?? '').toLowerCase()));
}
