import { readdirSync } from 'node:fs';
import pidusage from 'pidusage';
import type { TaskStats } from '@tend/protocol';
import { readProcStat } from '../runtime/proc.js';
import { findCgroupTaskProcesses } from './cgroup-task.js';
import { listeningSockets, socketInodes, type ListeningSocket } from '../runtime/ports.js';
import type { TaskRow } from '../store/task-store.js';
import { sampleCpu } from './cpu-sample.js';

/** Live (non-zombie) processes by process group id, from one scan of /proc. */
export function processGroups(): Map<number, number[]> {
  return processTable().groups;
}

/** Live (non-zombie) processes by process group id and by parent pid, from one scan of /proc. */
function processTable(): { groups: Map<number, number[]>; children: Map<number, number[]> } {
  const groups = new Map<number, number[]>();
  const children = new Map<number, number[]>();
  const add = (map: Map<number, number[]>, key: number, pid: number) => {
    const list = map.get(key);
    if (list) list.push(pid);
    else map.set(key, [pid]);
  };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
    add(groups, stat.pgid, stat.pid);
    add(children, stat.ppid, stat.pid);
  }
  return { groups, children };
}

/**
 * The pids `taskStats` counts for `row`: a task with its own cgroup, every
 * live process in it; else its process group, and for a `tty` task also their
 * descendants, since its command runs in the pseudo-terminal's own session
 * (see tty-run.ts).
 */
function taskPids(row: TaskRow, table: ReturnType<typeof processTable>): number[] {
  if (row.containment === 'cgroup') return findCgroupTaskProcesses(row).members.map((p) => p.pid);
  if (row.pgid === undefined) return [];
  const pids = [...(table.groups.get(row.pgid) ?? [])];
  if (!row.tty) return pids;
  const seen = new Set(pids);
  for (let i = 0; i < pids.length; i++) {
    for (const child of table.children.get(pids[i] as number) ?? []) {
      if (!seen.has(child)) {
        seen.add(child);
        pids.push(child);
      }
    }
  }
  return pids;
}

/**
 * CPU % (of one core), RSS (bytes) and listening TCP ports of each task's
 * process group (a `tty` task: with their descendants), per process, summed; a process that exits meanwhile counts
 * as 0. CPU comes from {@link sampleCpu} (the first sample of a process is
 * its lifetime average, later ones the window since the last), memory from
 * pidusage. One /proc scan serves all tasks,
 * and one pidusage call serves all processes: pidusage learns the clock tick
 * and page size by running `getconf` twice on its first call, and calls made
 * in parallel before that first one answers each ran them again (2 shells per
 * process: ~2 s for the first `tend ps` with 100 tasks; BENCHMARKS.md).
 */
export async function taskStats(rows: readonly TaskRow[]): Promise<TaskStats[]> {
  const table = processTable();
  const pidsOf = (row: TaskRow): number[] => taskPids(row, table);
  const inodes = new Map(rows.flatMap(pidsOf).map((pid) => [pid, socketInodes(pid)]));
  // Reading /proc/net/tcp{,6} walks the kernel's whole TCP hash (~5 ms each here): only when a task holds a socket.
  const sockets = [...inodes.values()].some((list) => list.length > 0)
    ? listeningSockets()
    : new Map<number, ListeningSocket>();
  const usage = await usageOf([...inodes.keys()]);
  const cpu = sampleCpu([...inodes.keys()]);
  return rows.map((row) => {
    const pids = pidsOf(row);
    let cpuPercent = 0;
    let rssBytes = 0;
    for (const pid of pids) {
      cpuPercent += cpu.get(pid) ?? 0;
      rssBytes += usage.get(pid)?.memory ?? 0;
    }
    const ports: TaskStats['ports'] = [];
    for (const pid of pids) {
      for (const inode of inodes.get(pid) ?? []) {
        const socket = sockets.get(inode);
        if (socket) ports.push({ ...socket, pid });
      }
    }
    ports.sort((a, b) => a.port - b.port || a.family.localeCompare(b.family));
    return { id: row.id, pids, cpuPercent: Math.round(cpuPercent * 10) / 10, rssBytes, ports };
  });
}

/** pidusage of every pid in one call; a pid that is gone by then is left out. */
async function usageOf(pids: number[]): Promise<Map<number, { memory: number }>> {
  const usage = new Map<number, { memory: number }>();
  if (pids.length === 0) return usage;
  let stats: Record<string, { memory: number } | undefined>;
  try {
    // With several pids pidusage answers for those it could read (one gone is not an error); with one, it throws.
    stats =
      pids.length === 1 ? { [pids[0] as number]: await pidusage(pids[0] as number) } : await pidusage(pids);
  } catch {
    return usage;
  }
  for (const pid of pids) {
    const one = stats[pid];
    if (one) usage.set(pid, { memory: one.memory });
  }
  return usage;
}
