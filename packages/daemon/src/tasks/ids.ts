import { randomInt } from 'node:crypto';
import { TendDaemonError } from '../errors.js';
import type { TaskRow, TaskStore } from '../store/task-store.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
/** Length of a task id: 8 base-36 characters, 36^8 ≈ 2.8e12 ids. */
export const TASK_ID_LENGTH = 8;

/** A new random task id: {@link TASK_ID_LENGTH} lowercase letters and digits, from a CSPRNG. */
export function newTaskId(): string {
  let id = '';
  for (let i = 0; i < TASK_ID_LENGTH; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

/**
 * Resolves what a user typed to one task, in this order: exact id; name (the
 * live task of that name, else the newest that had it); unique id prefix.
 * @throws TendDaemonError task_not_found when nothing matches, ambiguous_id
 *   (with `data.candidates`) when a prefix matches several tasks, or when a name is
 *   that of live tasks in several projects (names are unique per project only).
 */
export function resolveTask(store: TaskStore, ref: string): TaskRow {
  const exact = store.get(ref);
  if (exact) return exact;
  const live = store.liveByName(ref);
  if (live.length > 1) {
    const candidates = live.slice(0, 10).map((row) => row.id);
    const where = live
      .slice(0, 10)
      .map((row) => `${row.id} in ${row.project ?? 'no project'}`)
      .join(', ');
    throw new TendDaemonError(
      'ambiguous_id',
      `"${ref}" names live tasks of several projects (${where}${live.length > 10 ? ', …' : ''}); use the task's id`,
      { candidates },
    );
  }
  const named = live[0] ?? store.byName(ref);
  if (named) return named;
  const matches = /^[0-9a-z]+$/.test(ref) ? store.byPrefix(ref) : [];
  if (matches.length === 1) return matches[0] as TaskRow;
  if (matches.length > 1) {
    const candidates = matches.map((row) => row.id);
    throw new TendDaemonError(
      'ambiguous_id',
      `"${ref}" matches several tasks (${candidates.join(', ')}${candidates.length === 10 ? ', …' : ''}); type more of the id`,
      { candidates },
    );
  }
  throw new TendDaemonError('task_not_found', `no task has id, id prefix or name "${ref}" (see tend ps -a)`, {
    ref,
  });
}

/**
 * Refuses a task name equal to another task's id: ids resolve before names
 * ({@link resolveTask}), so that task could never be reached by its name, and
 * a script using the name would act on the other task.
 * @throws TendDaemonError invalid_name, with `data.name`.
 */
export function checkTaskName(store: TaskStore, name: string | undefined): void {
  if (name === undefined || !store.get(name)) return;
  throw new TendDaemonError(
    'invalid_name',
    `the name "${name}" is the id of another task; pick another name`,
    { name },
  );
}
