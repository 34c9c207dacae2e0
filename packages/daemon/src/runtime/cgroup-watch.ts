import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { isPopulated } from './cgroup.js';

/** How often {@link watchUntilEmpty} polls cgroup.events when it cannot watch it (no inotify watch), in ms. */
export const EMPTY_POLL_MS = 1_000;

/**
 * Calls `onEmpty` once, as soon as cgroup `dir` holds no process any more (`populated 0` in its
 * cgroup.events, or the cgroup is gone). The kernel signals a change of cgroup.events as a file
 * modification, so an inotify watch (fs.watch) sees it within milliseconds (cgroup-v2.rst, "Core
 * Interface Files": "a value change in this interface file generates a file modified event") and
 * nothing runs meanwhile; only when no watch can be set (inotify's max_user_watches reached) or it
 * fails is cgroup.events polled every `pollMs` instead. Checked once at once, too.
 * @returns a function that stops watching (idempotent).
 */
export function watchUntilEmpty(dir: string, onEmpty: () => void, pollMs = EMPTY_POLL_MS): () => void {
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const close = () => {
    done = true;
    watcher?.close();
    if (timer) clearInterval(timer);
  };
  const check = () => {
    if (done || isPopulated(dir) === true) return;
    close();
    onEmpty();
  };
  const poll = () => {
    if (done || timer) return;
    timer = setInterval(check, pollMs);
    timer.unref();
  };
  try {
    watcher = watch(join(dir, 'cgroup.events'), { persistent: false }, check);
    watcher.on('error', () => {
      watcher?.close();
      poll();
    });
  } catch {
    // No inotify watch (limit reached, cgroup gone): the poll and the first check still see it.
    poll();
  }
  check();
  return close;
}
