// @ts-check
// The one poll helper of the tests, unit tests and bench (plain .mjs with JSDoc types, so that
// `bench/*.mjs` can import it under plain Node 20 and tsc still checks it: see tsconfig.test.json).

/** Default deadline of {@link pollUntil}, in ms: generous, because the suite must pass on a busy machine. */
export const POLL_TIMEOUT_MS = 10_000;
/** Default pause between two probes of {@link pollUntil}, in ms. */
export const POLL_INTERVAL_MS = 20;

/**
 * Calls `probe` until it returns something other than `undefined`, `null` or `false` (0 and "" are values), pausing `intervalMs`
 * between calls, and resolves with that value. Use it to wait for an event the test cannot
 * subscribe to (a file appears, a process goes, a state is reached), never to let time pass.
 * @template T
 * @param {string} what what is awaited, said in the timeout error (e.g. "the daemon to exit").
 * @param {() => T | Promise<T>} probe checked once at once, then after each pause; a throw ends the wait with it.
 * @param {{ timeoutMs?: number, intervalMs?: number }} [options] deadline in ms (default 10 000)
 *   and pause in ms (default 20).
 * @returns {Promise<Exclude<T, undefined | null | false>>} the first value that was not undefined, null or false.
 * @throws {Error} `timed out after <timeoutMs> ms waiting for <what>` when the deadline passes first.
 */
export async function pollUntil(what, probe, options = {}) {
  const { timeoutMs = POLL_TIMEOUT_MS, intervalMs = POLL_INTERVAL_MS } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false)
      return /** @type {Exclude<T, undefined | null | false>} */ (value);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * A shell loop that blocks until `file` exists, for task commands that must wait for the test
 * (an event, not a wall-clock delay). With `home`, it also ends once that TEND_HOME is removed,
 * so no task outlives a failed test.
 * @param {string} file absolute path, without single quotes.
 * @param {string} [home] the test's TEND_HOME.
 * @returns {string} a POSIX sh command.
 */
export function untilFileExists(file, home) {
  return home === undefined
    ? `while [ ! -e '${file}' ]; do sleep 0.02; done`
    : `while [ ! -e '${file}' ] && [ -d '${home}' ]; do sleep 0.02; done`;
}
