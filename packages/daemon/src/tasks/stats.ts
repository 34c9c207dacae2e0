import { readdirSync } from 'node:fs';
import pidusage from 'pidusage';
import type { TaskStats } from '@tend/protocol';
import { readProcStat } from '../runtime/proc.js';
import { listeningSockets, socketInodes } from '../runtime/ports.js';
import type { TaskRow } from '../store/task-store.js';

/** Live (non-zombie) processes by process group id, from one scan of /proc. */
export function processGroups(): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
    const members = groups.get(stat.pgid);
    if (members) members.push(stat.pid);
    else groups.set(stat.pgid, [stat.pid]);
  }
  return groups;
}

/**
 * CPU % (of one core), RSS (bytes) and listening TCP ports of each task's
 * process group. CPU and memory come from pidusage, per process, summed; a
 * process that exits meanwhile counts as 0. One /proc scan serves all tasks.
 */
export async function taskStats(rows: readonly TaskRow[]): Promise<TaskStats[]> {
  const groups = processGroups();
  const sockets = listeningSockets();
  return Promise.all(
    rows.map(async (row) => {
      const pids = row.pgid !== undefined ? (groups.get(row.pgid) ?? []) : [];
      let cpuPercent = 0;
      let rssBytes = 0;
      await Promise.all(
        pids.map(async (pid) => {
          try {
            const usage = await pidusage(pid);
            cpuPercent += usage.cpu;
            rssBytes += usage.memory;
          } catch {
            // exited meanwhile
          }
        }),
      );
      const ports: TaskStats['ports'] = [];
      for (const pid of pids) {
        for (const inode of socketInodes(pid)) {
          const socket = sockets.get(inode);
          if (socket) ports.push({ ...socket, pid });
        }
      }
      ports.sort((a, b) => a.port - b.port || a.family.localeCompare(b.family));
      return { id: row.id, pids, cpuPercent: Math.round(cpuPercent * 10) / 10, rssBytes, ports };
    }),
  );
}
