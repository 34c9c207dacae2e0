// @ts-check
// Processes of the tests and bench: one liveness rule, and one way to signal a process only when it
// is still the one the test started (pids are reused: docs/design.md, "Signals reach only the task").
// Linux only (/proc), as tend itself.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The zombie rule: true while process `pid` exists and has not exited. A zombie (state `Z` in
 * /proc/<pid>/stat, or `X` while it is being reaped) counts as dead: it has exited, only its exit
 * status waits for its parent, and a detached daemon's zombie is reaped by init at init's pace.
 * @param {number} pid
 * @returns {boolean}
 */
export function isAlive(pid) {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/**
 * The start time of process `pid` (field 22 of /proc/<pid>/stat, clock ticks since boot), which
 * tells a process from a later one that got the same pid.
 * @param {number} pid
 * @returns {string | undefined} undefined when there is no such process.
 */
export function startTimeOf(pid) {
  return statFields(pid)?.[19];
}

/**
 * How a test knows a process is its own: the start time it had when the test recorded it, or a
 * `KEY=value` entry of its environment (TEND_TASK_ID=<id> marks a task's processes, TEND_HOME=<home>
 * a test's daemon, TEND_BENCH_RUN=<mark> a bench run's processes).
 * @typedef {{ pid: number, startTime?: string, envMarker?: string }} OwnedProcess
 */

/**
 * Records `pid` (just spawned by the test) with its start time.
 * @param {number} pid
 * @returns {OwnedProcess}
 */
export function recordProcess(pid) {
  return { pid, startTime: startTimeOf(pid) ?? 'exited before it was recorded' };
}

/**
 * Whether `owned` is still the test's process: `ours` (same start time, or the marker is in its
 * environment), `gone` (no process has that pid, or only a zombie), or `other` (the pid was reused).
 * @param {OwnedProcess} owned
 * @returns {'ours' | 'gone' | 'other'}
 */
export function ownership(owned) {
  if (!isAlive(owned.pid)) return 'gone';
  if (owned.startTime !== undefined && startTimeOf(owned.pid) !== owned.startTime) return 'other';
  if (owned.envMarker !== undefined && !environOf(owned.pid).includes(owned.envMarker)) return 'other';
  return owned.startTime === undefined && owned.envMarker === undefined ? 'other' : 'ours';
}

/**
 * Sends `signal` to `owned` (to its process group with `group`: then `owned.pid` is the group
 * leader's pid, which is the pgid) only when it is still the test's. A group is signalled when its
 * leader is ours, and also when its leader is gone: Linux does not hand out a pid that is still a
 * process group id, so a group with that id can only be the leader's own.
 * @param {OwnedProcess} owned
 * @param {NodeJS.Signals} signal
 * @param {{ group?: boolean }} [options]
 * @returns {boolean} true when the signal was sent.
 */
export function signalIfOurs(owned, signal, { group = false } = {}) {
  if (!Number.isInteger(owned.pid) || owned.pid <= 1 || owned.pid === process.pid) return false;
  const whose = ownership(owned);
  if (whose === 'other' || (whose === 'gone' && !group)) return false;
  try {
    process.kill(group ? -owned.pid : owned.pid, signal);
    return true;
  } catch {
    return false; // ESRCH: already gone
  }
}

/**
 * Pids of every live process whose environment holds `envMarker` (`KEY=value`), this process excluded.
 * @param {string} envMarker
 * @returns {number[]}
 */
export function processesWith(envMarker) {
  const pids = [];
  for (const name of readdirSafe('/proc')) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid !== process.pid && environOf(pid).includes(envMarker) && isAlive(pid))
      pids.push(pid);
  }
  return pids;
}

/** @param {number} pid @returns {string[] | undefined} fields of /proc/<pid>/stat after the command name */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** @param {number} pid @returns {string[]} the `KEY=value` entries of /proc/<pid>/environ, [] when unreadable */
function environOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  } catch {
    return [];
  }
}

/** @param {string} dir @returns {string[]} */
function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
