import { watch, type FSWatcher } from 'node:fs';
import { fileSize } from './task-view.js';

/** Poll period that backs up inotify (a missed event, a file replaced), in ms. */
export const GROWTH_POLL_MS = 25;

/**
 * Resolves once the file at `path` is longer than `offset` bytes, `stop()`
 * says to stop waiting (the task ended), `timeoutMs` passes, or `signal`
 * aborts — whichever comes first. inotify (fs.watch) reports a write within
 * about a millisecond; a short poll backs it up. Holds nothing but a watch and
 * a timer, so a slow reader costs the daemon no buffered output.
 * @returns true when the file grew.
 */
export function waitForGrowth(
  path: string,
  offset: number,
  timeoutMs: number,
  options: { stop?: () => boolean; signal?: AbortSignal } = {},
): Promise<boolean> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    let settled = false;
    const check = () => {
      if (settled) return;
      if (fileSize(path) > offset) finish(true);
      else if (options.stop?.() || options.signal?.aborted) finish(false);
    };
    const finish = (grew: boolean) => {
      settled = true;
      watcher?.close();
      clearInterval(poll);
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', check);
      resolve(grew);
    };
    const poll = setInterval(check, GROWTH_POLL_MS);
    const timer = setTimeout(() => finish(fileSize(path) > offset), timeoutMs);
    options.signal?.addEventListener('abort', check);
    try {
      watcher = watch(path, { persistent: false }, check);
      watcher.on('error', () => watcher?.close());
    } catch {
      // No file yet or no inotify: the poll covers it.
    }
    check();
  });
}
