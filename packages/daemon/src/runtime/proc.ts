import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

/** Identity of a process that survives PID reuse: its start time since boot and the boot it belongs to. */
export interface ProcessIdentity {
  /** `/proc/<pid>/stat` field 22: start time after boot, in clock ticks (proc(5)). */
  startTicks: number;
  /** `/proc/sys/kernel/random/boot_id`. */
  bootId: string;
}

/** Facts read from `/proc/<pid>/stat` (proc(5)). */
export interface ProcStat {
  pid: number;
  /** One-letter state: R, S, D, Z (zombie), T, t, X, I… */
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  /** Field 22, clock ticks after boot. */
  startTicks: number;
  /**
   * Set (true) by {@link listProcStats} for a kernel thread (PF_KTHREAD, 0x00200000, in field 9, the
   * flags): it never runs user code, has no environment, and is never a task's process.
   */
  kernel?: true;
}

let cachedBootId: string | undefined;

/** The current boot id (read once and cached). */
export function bootId(): string {
  cachedBootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return cachedBootId;
}

/**
 * Fields of `/proc/<pid>/stat` from field 3 (state) on, index 0 = field 3. The command name (field 2)
 * may hold spaces and parentheses, so fields are split after its last `)`.
 * @returns undefined when the process does not exist (or /proc is unreadable).
 */
function statFields(pid: number): string[] | undefined {
  const text = readStatFile(pid);
  return text === undefined ? undefined : text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Reused buffer of {@link readStatFile}: a stat file is ~300 bytes (52 numbers and a 16-byte name). */
const statBuffer = Buffer.allocUnsafe(4096);

/**
 * `/proc/<pid>/stat` as text, with one open and one read(2) into a reused buffer: readFileSync costs
 * 1.5–3× as much (it fstat()s, allocates, and reads the size-0 file in rounds; measured on the 2-core
 * VM, 83 vs 122 µs a file at load 10). Every reader of stat goes through here: the identity checks of
 * the watchdog's sweep and of recovery, and the marker scan's pass over /proc.
 * @returns undefined when the process does not exist (or /proc is unreadable).
 */
function readStatFile(pid: number): string | undefined {
  const path = `/proc/${pid}/stat`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const length = readSync(fd, statBuffer, 0, statBuffer.length, null);
    // Never seen (the name is at most 64 bytes), but a longer file is read whole rather than cut.
    if (length === statBuffer.length) return readFileSync(path, 'latin1');
    return statBuffer.toString('latin1', 0, length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The {@link ProcStat} of `rest`, the fields of {@link statFields}. */
function procStatOf(pid: number, rest: string[]): ProcStat {
  return {
    pid,
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    sid: Number(rest[3]),
    startTicks: Number(rest[19]),
  };
}

/**
 * Reads `/proc/<pid>/stat` (see {@link statFields} for the parsing).
 * @returns undefined when the process does not exist (or /proc is unreadable).
 */
export function readProcStat(pid: number): ProcStat | undefined {
  const rest = statFields(pid);
  return rest && procStatOf(pid, rest);
}

/** Facts of `/proc/<pid>/stat` (proc(5)) that the resource figures of `task/stats` use, besides {@link ProcStat}'s. */
export interface ProcUsage extends ProcStat {
  /** utime + stime (fields 14, 15), clock ticks. */
  cpuTicks: number;
  /** Field 20: threads in the process. */
  threads: number;
  /** Field 24: resident set size, pages (see {@link pageSize}). */
  rssPages: number;
}

/**
 * Reads `/proc/<pid>/stat` with the CPU time, thread count and resident set
 * size (one read; see {@link readProcStat} for the parsing).
 * @returns undefined when the process does not exist.
 */
export function readProcUsage(pid: number): ProcUsage | undefined {
  const rest = statFields(pid);
  if (!rest) return undefined;
  return {
    ...procStatOf(pid, rest),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    threads: Number(rest[17]),
    rssPages: Number(rest[21]),
  };
}

/**
 * Child pids of process `pid`: `/proc/<pid>/task/<tid>/children` of each of
 * its threads (proc(5); Linux ≥ 3.5 with CONFIG_PROC_CHILDREN, which the
 * common distribution kernels set). A single-threaded process (`threads` 1)
 * has only its main thread's file, read without listing its threads.
 * @returns the children ([] when the process is gone, or the files are missing).
 */
export function childPids(pid: number, threads = 0): number[] {
  const children: number[] = [];
  let tids: string[];
  try {
    tids = threads === 1 ? [String(pid)] : readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const word of text.split(' ')) if (word !== '' && word !== '\n') children.push(Number(word));
  }
  return children;
}

let cachedPageSize: number | undefined;

/**
 * The kernel's page size in bytes, the unit of `/proc/<pid>/stat`'s RSS: AT_PAGESZ (6) of this
 * process's ELF auxiliary vector, `/proc/self/auxv` (pairs of native words; getauxval(3)), as
 * getpagesize(3) returns it. 4096 when the vector cannot be read. Read once.
 */
export function pageSize(): number {
  if (cachedPageSize !== undefined) return cachedPageSize;
  cachedPageSize = 4096;
  try {
    const auxv = readFileSync('/proc/self/auxv');
    const word = process.arch === 'arm' || process.arch === 'ia32' ? 4 : 8;
    const little = endianness() === 'LE';
    const read = (at: number): number =>
      word === 8
        ? Number(little ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at))
        : little
          ? auxv.readUInt32LE(at)
          : auxv.readUInt32BE(at);
    for (let at = 0; at + 2 * word <= auxv.length; at += 2 * word) {
      const type = read(at);
      if (type === 0) break; // AT_NULL ends the vector
      if (type === 6) {
        cachedPageSize = read(at + word);
        break;
      }
    }
  } catch {
    // keep 4096
  }
  return cachedPageSize;
}

/**
 * True when `pid` runs now (not a zombie) and is the process described by
 * `identity` — same boot, same start time. A false answer means: never signal it.
 */
export function isSameProcess(pid: number, identity: ProcessIdentity): boolean {
  if (pid <= 1 || identity.bootId !== bootId()) return false;
  const stat = readProcStat(pid);
  return (
    stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.startTicks === identity.startTicks
  );
}

/** PF_KTHREAD of include/linux/sched.h: the flag (stat field 9) of a kernel thread. */
const PF_KTHREAD = 0x00200000;

/**
 * The {@link ProcStat} of `pid` parsed from the `length` bytes of its stat file in {@link statBuffer},
 * without making a string of it: the fields after the command name's last `)` (field 3 on) are
 * walked as bytes, and only fields 3–6, 9 and 22 are read. A field may be negative (tpgid is -1
 * without a terminal). Undefined when the text is cut short (never seen).
 */
function parseStatBuffer(pid: number, length: number): ProcStat | undefined {
  const buf = statBuffer;
  let at = buf.lastIndexOf(0x29, length - 1); // ')'
  if (at < 0 || at + 2 >= length) return undefined;
  at += 2;
  const state = String.fromCharCode(buf[at] as number);
  at += 1;
  // Field 4 on: field f starts after the (f - 3)th space past the state.
  const values = [0, 0, 0, 0, 0]; // ppid, pgid, sid, flags, starttime
  const wanted = [4, 5, 6, 9, 22];
  let next = 0;
  for (let field = 4; field <= 22 && at < length; field++) {
    at += 1; // the space before this field
    if (field !== wanted[next]) {
      while (at < length && buf[at] !== 0x20) at++;
      continue;
    }
    let sign = 1;
    if (buf[at] === 0x2d) {
      sign = -1;
      at++;
    }
    let value = 0;
    for (let c = buf[at] as number; at < length && c >= 0x30 && c <= 0x39; c = buf[++at] as number)
      value = value * 10 + (c - 0x30);
    values[next++] = sign * value;
  }
  if (next < wanted.length) return undefined;
  const [ppid, pgid, sid, flags, startTicks] = values as [number, number, number, number, number];
  const stat: ProcStat = { pid, state, ppid, pgid, sid, startTicks };
  // flags is an unsigned int: above 2^31 the product is still exact in a double, and & works on its low 32 bits.
  if ((flags & PF_KTHREAD) !== 0) stat.kernel = true;
  return stat;
}

/**
 * `/proc/<pid>/stat` of every process now visible (one pass over /proc), kernel threads marked
 * (`kernel`). Processes that end during the pass are left out. Each file is read with one open and
 * one read(2) into {@link statBuffer} and parsed from the bytes (parseStatBuffer) rather than made
 * into text and split into its 52 fields: measured on the 2-core VM (2026-12-01, load 4–6), a pass
 * over 285 processes 6.5 → 5.5 ms (the open/read/close alone ~5 ms), and the daemon's CPU per task
 * end with 600 live tasks in /proc 57 → 47.5 ms (bench/tools/ab-task-ends.mjs, 4 rounds).
 */
export function listProcStats(): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const stats: ProcStat[] = [];
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    // Numeric names only (the pids); readdir of /proc gives no other name that starts with a digit.
    if (first < 0x30 || first > 0x39) continue;
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const length = readStatInto(pid);
    if (length === undefined) continue;
    const stat = length < statBuffer.length ? parseStatBuffer(pid, length) : readProcStat(pid); // a longer file: never seen
    if (stat) stats.push(stat);
  }
  return stats;
}

/**
 * Reads `/proc/<pid>/stat` into {@link statBuffer} with one open and one read(2).
 * @returns the bytes read, or undefined when the process does not exist.
 */
function readStatInto(pid: number): number | undefined {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return undefined;
  }
  try {
    return readSync(fd, statBuffer, 0, statBuffer.length, null);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * True when the environment `pid` was started with (`/proc/<pid>/environ`,
 * NUL-separated `NAME=value` entries) holds `entry` as one whole entry.
 * False when it does not, or cannot be read (ended, another user's, or made
 * non-dumpable: then only root may read it; proc(5)).
 */
export function environHas(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
  } catch {
    return false;
  }
}

/** True when any process is in process group `pgid` (kill(-pgid, 0) succeeds). */
export function groupExists(pgid: number): boolean {
  if (pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `pid` exists (possibly as a zombie): kill(pid, 0). */
export function pidExists(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Pids whose command line (`/proc/<pid>/cmdline`, NUL-separated) holds `arg`
 * as one whole argument. Scans every process: use at start-up only.
 */
export function findProcessesWithArg(arg: string): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(arg)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

let cachedBootTimeMs: number | undefined;

/**
 * Wall-clock time (ms since epoch) at which a process with start time
 * `startTicks` started: `btime` of /proc/stat plus ticks / CLK_TCK (100 on
 * Linux for user space, see proc(5) and sysconf(_SC_CLK_TCK)).
 */
export function processStartMs(startTicks: number): number {
  if (cachedBootTimeMs === undefined) {
    const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    cachedBootTimeMs = match ? Number(match[1]) * 1000 : 0;
  }
  return cachedBootTimeMs + startTicks * 10;
}
