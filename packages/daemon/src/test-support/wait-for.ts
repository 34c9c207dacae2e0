/**
 * Resolves once `check()` is true, polling every 5 ms (for the daemon's unit tests, which
 * watch sockets and processes in-process).
 * @param what said in the error, e.g. "the reply".
 * @param ms deadline in ms (default 5 s).
 * @throws Error naming `what` when `check()` is still false after `ms`.
 */
export async function waitFor(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
