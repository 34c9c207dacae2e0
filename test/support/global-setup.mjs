// @ts-check
// vitest's globalSetup (vitest.config.ts): marks every process a test run starts, and at the end ends
// those still running. Each test cleans up what it started by the pids it recorded; this is the net for
// a test whose cleanup did not run in time (a timeout under load once left 13 daemons behind).

import { readFileSync } from 'node:fs';
import { processesWith, signalIfOurs } from './processes.mjs';

/** The parent pid of `pid` (/proc/<pid>/stat field 4, after the parenthesized name); undefined once it is gone. */
/** @param {number} pid */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `pid (argv…)` for the report, read before the kill; `pid` alone once it is gone. */
/** @param {number} pid */
function describe(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return `${pid} (${argv.length > 200 ? `${argv.slice(0, 197)}...` : argv})`;
  } catch {
    return String(pid);
  }
}

/**
 * Sets `TEND_TEST_RUN=<pid>-<ms>` in the environment, which the test workers inherit and pass on to the
 * CLIs, daemons and tasks they start (unless a test builds an environment from scratch), and returns
 * the teardown.
 * @returns {() => void} the teardown: SIGKILLs every live process (this one excluded) whose environment
 *   holds this run's marker, and names them (pid and argv) on stderr.
 */
export default function setup() {
  const marker = `TEND_TEST_RUN=${process.pid}-${Date.now()}`;
  process.env.TEND_TEST_RUN = marker.slice('TEND_TEST_RUN='.length);
  return () => {
    // vitest's own pool workers (children of this process, which runs globalSetup) may still be exiting.
    const running = processesWith(marker).filter((pid) => parentOf(pid) !== process.pid);
    const names = new Map(running.map((pid) => [pid, describe(pid)]));
    const left = running.filter((pid) => signalIfOurs({ pid, envMarker: marker }, 'SIGKILL'));
    if (left.length > 0)
      process.stderr.write(
        `tend tests: ${left.length} process(es) of this run were still running at its end and were killed: ${left.map((pid) => names.get(pid)).join(', ')}\n`,
      );
  };
}
