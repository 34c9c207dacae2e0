// `tend ps --format`: docker's small template language, reduced to `{{.Field}}` placeholders, and `json`.
import type { Task } from '@tend/protocol/wire';
import { CliError } from './errors.js';
import { exitColumn } from './task-list.js';

/** The fields `--format` templates may name, with how each is printed (an absent value prints as ''). */
export const FORMAT_FIELDS: Readonly<Record<string, (task: Task) => string>> = {
  ID: (t) => t.id,
  Name: (t) => t.name ?? '',
  State: (t) => t.state,
  Exit: (t) => exitColumn(t),
  ExitCode: (t) => (t.exitCode === undefined ? '' : String(t.exitCode)),
  Signal: (t) => t.signal ?? '',
  Session: (t) => t.session ?? '',
  Project: (t) => t.project ?? '',
  Restarts: (t) => String(t.restarts ?? 0),
  Command: (t) => t.command,
  Cwd: (t) => t.cwd,
  Pid: (t) => (t.pid === undefined ? '' : String(t.pid)),
  CreatedAt: (t) => t.createdAt,
  StartedAt: (t) => t.startedAt ?? '',
  EndedAt: (t) => t.endedAt ?? '',
  DurationMs: (t) => (t.durationMs === undefined ? '' : String(t.durationMs)),
  LogPath: (t) => t.logPath,
};

/** `{{.Field}}`, `{{ .Field }}`. */
const PLACEHOLDER = /\{\{\s*\.([A-Za-z]+)\s*\}\}/g;

/**
 * Compiles a `--format` template: `json` prints each task as one line of JSON (the task object, as
 * `--json` has it); anything else is text where `{{.Field}}` (see {@link FORMAT_FIELDS}) is replaced by
 * the task's field, and `\t`, `\n` and `\\` are a tab, a newline and a backslash (as docker's templates
 * read them from a shell). One line per task.
 * @returns a function from a task to its line (without the newline).
 * @throws CliError naming an unknown field (and the known ones) or a `{{` that is no field placeholder.
 */
export function compileFormat(template: string): (task: Task) => string {
  if (template === 'json') return (task) => JSON.stringify(task);
  const text = template.replace(/\\([tn\\])/g, (_, c: string) =>
    c === 't' ? '\t' : c === 'n' ? '\n' : '\\',
  );
  const parts: (string | ((task: Task) => string))[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] as string;
    const get = FORMAT_FIELDS[name];
    if (!get)
      throw new CliError(
        `--format: unknown field .${name}; one of ${Object.keys(FORMAT_FIELDS)
          .map((f) => `.${f}`)
          .join(', ')}`,
      );
    parts.push(text.slice(last, match.index), get);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  const literal = parts.filter((p): p is string => typeof p === 'string').join('');
  if (literal.includes('{{'))
    throw new CliError(
      `--format ${template}: only {{.Field}} placeholders are understood, e.g. '{{.ID}}\\t{{.Name}}'`,
    );
  return (task) => parts.map((p) => (typeof p === 'string' ? p : p(task))).join('');
}
