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

/** CPU time of one process as read from /proc/<pid>/stat (proc(5)). */
export interface CpuTimes {
  pid: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  /** Start time after boot, clock ticks. */
  startTicks: number;
}

/**
 * CPU use of each process whose times were just read, in % of one core. Over the window since this module's
 * previous sample of that process when it is at least {@link MIN_CPU_WINDOW_MS}
 * old; otherwise — the first sample of a process, or a sample right after
 * another — over the process's lifetime: (utime + stime) / time since it
 * started. So the first `tend ps` after a task starts shows what it used so
 * far, not 0 (pidusage's first sample reads /proc twice at once and answers 0).
 * A pid whose start time changed (PID reuse) starts over.
 * @returns pid → CPU %.
 */
export function cpuPercents(samples: readonly CpuTimes[]): Map<number, number> {
  const now = uptimeMs();
  const percent = new Map<number, number>();
  for (const { pid, cpuTicks, startTicks } of samples) {
    const times = { cpuMs: (cpuTicks * 1000) / TICKS_PER_SECOND, startTicks };
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
