import { lstatSync, mkdirSync, readdirSync, rmSync, type Stats, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** What a task id stored in the database may look like before a path is built from it. */
const SAFE_ID = /^[0-9a-z]{1,64}$/;

/** Raised when a task id could name something outside `<state>/tasks`. */
export class UnsafeTaskIdError extends Error {
  override name = 'UnsafeTaskIdError';
}

/**
 * Deletes `<tasksDir>/<id>` (output.log, exit record) and returns the disk
 * space it used, in bytes (st_blocks × 512, as du counts: a punched output.log
 * counts only what it still holds). Only a path built from a validated id is
 * touched, and no symlink is followed: a symlink (or any non-directory) in its
 * place is unlinked itself; inside the folder, rmSync unlinks links without
 * following them. A missing folder frees 0 bytes.
 * @throws UnsafeTaskIdError when `id` is not 1–64 lowercase letters and digits.
 */
export function removeTaskFolder(tasksDir: string, id: string): number {
  if (!SAFE_ID.test(id))
    throw new UnsafeTaskIdError(`task id ${JSON.stringify(id)} is not a tend id; its folder is left alone`);
  const dir = join(tasksDir, id);
  let stat: Stats;
  try {
    stat = lstatSync(dir);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) {
    unlinkSync(dir);
    return 0;
  }
  const bytes = folderBytes(dir);
  rmSync(dir, { recursive: true, force: true });
  return bytes;
}

/**
 * Disk space used by the files of `<tasksDir>/<id>`, in bytes (st_blocks × 512);
 * 0 when it is missing, not a directory, or `id` is not a tend id.
 */
export function taskFolderBytes(tasksDir: string, id: string): number {
  if (!SAFE_ID.test(id)) return 0;
  const dir = join(tasksDir, id);
  try {
    if (!lstatSync(dir).isDirectory()) return 0;
  } catch {
    return 0;
  }
  return folderBytes(dir);
}

function folderBytes(dir: string): number {
  let bytes = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      bytes += lstatSync(join(dir, name)).blocks * 512;
    } catch {
      // gone meanwhile
    }
  }
  return bytes;
}

/** Paths of one task's files (docs/design.md, "Files on disk"). */
export interface TaskFiles {
  /** `<tasksDir>/<id>` */
  dir: string;
  /** `<dir>/output.log`: the command's stdout and stderr. */
  logPath: string;
  /** `<dir>/exit`: the exit record the wrapper writes when the command ends. */
  exitPath: string;
}

/** Paths of task `id`'s directory, output log and exit record under `tasksDir`. */
export function taskFiles(tasksDir: string, id: string): TaskFiles {
  const dir = join(tasksDir, id);
  return { dir, logPath: join(dir, 'output.log'), exitPath: join(dir, 'exit') };
}

/**
 * Creates the task's cgroup `dir` (`<root>/task-<id>`, see chooseContainment) before its wrapper is
 * spawned; the wrapper moves itself in as its first act. A directory already there (an earlier run's) is kept.
 * @throws Error saying which cgroup could not be created and why (the task then fails, never runs uncontained).
 */
export function createTaskCgroup(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    // An earlier run's cgroup, not removed yet (a restart): the next run joins it.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && lstatSync(dir).isDirectory()) return;
    throw new Error(`could not create the task's cgroup ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * mkdir `dir` (0700), plainly when its parent exists (the usual case); a directory already there (left by a
 * crash before its row) is fine, and a missing parent (`<state>/tasks` removed meanwhile) is made again with
 * it (0700), as the recursive mkdir used before did.
 * @throws the mkdir's error otherwise (EEXIST for a non-directory, EACCES…).
 */
export function makeTaskDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') mkdirSync(dir, { recursive: true, mode: 0o700 });
    else if (code !== 'EEXIST' || !lstatSync(dir).isDirectory()) throw error;
  }
}
