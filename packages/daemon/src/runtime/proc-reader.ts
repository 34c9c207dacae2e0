import { closeSync, openSync, readSync } from 'node:fs';
import { listProcStats, type ProcStat } from './proc.js';

/**
 * What the marker scan (tasks/marker-scan.ts) reads of /proc (proc(5),
 * https://man7.org/linux/man-pages/man5/proc.5.html): the live /proc
 * ({@link LIVE_PROC}), the same shared for one turn of the event loop
 * ({@link turnProcReader}), or a fake in unit tests.
 */
export interface ProcReader {
  /** `/proc/<pid>/stat` of every visible process (one pass over /proc). */
  list(): ProcStat[];
  /**
   * Real and effective user id of `pid` (`Uid:` line of `/proc/<pid>/status`);
   * undefined when it cannot be read (ended, hidden by `hidepid`).
   */
  uids(pid: number): { real: number; effective: number } | undefined;
  /**
   * Value of the first `name=value` entry of `/proc/<pid>/environ` (the
   * environment the process was started with: what getenv(3) gave it then);
   * undefined when there is none or the file cannot be read (ended, another
   * user's, hidepid, non-dumpable).
   */
  environValue(pid: number, name: string): string | undefined;
}

/** The live /proc, read afresh at every call. */
export const LIVE_PROC: ProcReader = { list: listProcStats, uids: readUids, environValue };

let turn: ProcReader | undefined;

/**
 * The live /proc, each thing read at most once until the current synchronous
 * turn of the event loop ends (a microtask forgets it): the stops that a
 * daemon shutdown sends to every task in one loop share one pass over /proc
 * and one environ read per process. Use {@link LIVE_PROC} where a scan must
 * see what happened since (the repeated passes of a SIGKILL).
 */
export function turnProcReader(): ProcReader {
  if (turn) return turn;
  let table: ProcStat[] | undefined;
  const uids = new Map<number, ReturnType<ProcReader['uids']>>();
  const values = new Map<string, string | undefined>();
  turn = {
    list: () => (table ??= listProcStats()),
    uids(pid) {
      if (!uids.has(pid)) uids.set(pid, readUids(pid));
      return uids.get(pid);
    },
    environValue(pid, name) {
      const key = `${pid}\0${name}`;
      if (!values.has(key)) values.set(key, environValue(pid, name));
      return values.get(key);
    },
  };
  queueMicrotask(() => {
    turn = undefined;
  });
  return turn;
}

/** Reused read buffer (grown for a large environ; every read here is synchronous). */
let buffer = Buffer.allocUnsafe(16 * 1024);

/**
 * Reads /proc file `path` whole into {@link buffer}, at most `max` bytes, with
 * one open and as few read(2) calls as it takes (readFileSync costs about 3×
 * as much here: it fstat()s, and reads a /proc file of size 0 in several
 * rounds, each making the kernel render the file again).
 * @returns the number of bytes read, or undefined when it cannot be opened or read.
 */
function readProcFile(path: string, max: number): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length >= max) return length;
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, max));
        buffer.copy(grown);
        buffer = grown;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return length;
      length += read;
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Most bytes of an environ read (execve(2) limits argv plus environ to far less). */
const ENVIRON_MAX = 16 * 1024 * 1024;

/**
 * Value of the first `name=value` entry of `/proc/<pid>/environ`
 * (NUL-separated entries; proc(5)), decoded as latin1; undefined when there is
 * none, or the file cannot be read (ended, another user's, hidepid, non-dumpable).
 */
export function environValue(pid: number, name: string): string | undefined {
  const length = readProcFile(`/proc/${pid}/environ`, ENVIRON_MAX);
  if (length === undefined) return undefined;
  const environ = buffer.subarray(0, length);
  const head = `${name}=`;
  for (let at = environ.indexOf(head, 0, 'latin1'); at >= 0; at = environ.indexOf(head, at + 1, 'latin1')) {
    if (at > 0 && environ[at - 1] !== 0) continue;
    const end = environ.indexOf(0, at + head.length);
    return environ.toString('latin1', at + head.length, end < 0 ? length : end);
  }
  return undefined;
}

/**
 * Real and effective uid of `pid` from the `Uid:` line of `/proc/<pid>/status`
 * (real, effective, saved set, filesystem; proc(5)).
 * @returns undefined when the file cannot be read or has no such line.
 */
export function readUids(pid: number): { real: number; effective: number } | undefined {
  const length = readProcFile(`/proc/${pid}/status`, 64 * 1024);
  if (length === undefined) return undefined;
  const match = /^Uid:\s+(\d+)\s+(\d+)/m.exec(buffer.toString('latin1', 0, length));
  return match ? { real: Number(match[1]), effective: Number(match[2]) } : undefined;
}
