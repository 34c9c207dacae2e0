import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times: USER_HZ, 100 on Linux user space (proc(5), sysconf(_SC_CLK_TCK)). */
const TICKS_PER_SECOND = 100;
/** Shortest window (ms) between two samples of one process that gives its CPU % over that window; shorter ones are noise. */
export const MIN_CPU_WINDOW_MS = 500;
/** A sample older than this (ms) is forgotten (its process is likely gone). */
const FORGET_AFTER_MS = 10 * 60_000;

interface Sample {
  startTicks: number;
  /** utime + stime, ms. */
  cpuMs: number;
  /** Time since boot at the sample, ms. */
  atMs: number;
}

const previous = new Map<number, Sample>();

/** Time since boot, in ms (/proc/uptime). */
function uptimeMs(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
}

/** utime + stime (fields 14, 15) and starttime (field 22) of /proc/<pid>/stat; undefined when gone. */
function readTimes(pid: number): { cpuMs: number; startTicks: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, startTicks: Number(rest[19]) };
}

/**
 * CPU use of each pid, in % of one core. Over the window since this module's
 * previous sample of that process when it is at least {@link MIN_CPU_WINDOW_MS}
 * old; otherwise — the first sample of a process, or a sample right after
 * another — over the process's lifetime: (utime + stime) / time since it
 * started. So the first `tend ps` after a task starts shows what it used so
 * far, not 0 (pidusage's first sample reads /proc twice at once and answers 0).
 * A pid whose start time changed (PID reuse) starts over. Gone pids are left out.
 * @returns pid → CPU %.
 */
export function sampleCpu(pids: readonly number[]): Map<number, number> {
  const now = uptimeMs();
  const percent = new Map<number, number>();
  for (const pid of pids) {
    const times = readTimes(pid);
    if (!times) continue;
    const before = previous.get(pid);
    const window = before && before.startTicks === times.startTicks ? now - before.atMs : 0;
    if (before && window >= MIN_CPU_WINDOW_MS) {
      percent.set(pid, (Math.max(0, times.cpuMs - before.cpuMs) / window) * 100);
    } else {
      const lifetimeMs = now - (times.startTicks * 1000) / TICKS_PER_SECOND;
      percent.set(pid, lifetimeMs > 0 ? (times.cpuMs / lifetimeMs) * 100 : 0);
    }
    if (!before || window === 0 || window >= MIN_CPU_WINDOW_MS) previous.set(pid, { ...times, atMs: now });
  }
  for (const [pid, sample] of previous) if (now - sample.atMs > FORGET_AFTER_MS) previous.delete(pid);
  return percent;
}
