// Diagnostic (issue 12): what the marker scan of a stop costs (packages/daemon/src/tasks/marker-scan.ts).
// Starts N `sleep` processes that left their group (setsid) and carry a task's TEND_TASK_ID, then times,
// median of R runs each: the stat pass over /proc alone; the scan for that task (N members outside the
// group: one environ and one status read each); the scan for an older task none of them belongs to
// (one environ read each); the scan for a task newer than all of them (no environ read). Then, with a
// daemon in marker mode, the stop of a 500-process task: task/kill until the task has ended, and until
// its last process is gone, for the 500 in its group, and for 250 in it and 250 in sessions of their own.
// Usage: node bench/tools/marker-scan.mjs [N=500,2000] [R=15]   (after `pnpm build`)
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listProcStats } from '../../packages/daemon/dist/runtime/proc.js';
import { processesWith } from '../../test/support/processes.mjs';
import { LIVE_PROC, turnProcReader } from '../../packages/daemon/dist/runtime/proc-reader.js';
import { scanTaskProcesses } from '../../packages/daemon/dist/tasks/marker-scan.js';
import { BenchDaemon, findOurs, killOurs, median, now, pollUntil, RUN_MARK } from '../lib.mjs';

const sizes = (process.argv[2] ?? '500,2000').split(',').map(Number);
const runs = Number(process.argv[3] ?? 15);
const scope = { uid: process.getuid(), selfPid: process.pid, markerName: 'TEND_TASK_ID' };

/** Median time in ms of `fn` over `runs` calls, and its last result. */
function time(fn) {
  const values = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const start = now();
    result = fn();
    values.push(now() - start);
  }
  return { ms: median(values), result };
}

try {
  for (const n of sizes) {
    const id = `bench${String(n).padStart(3, '0').slice(-3)}`;
    const child = spawn('/bin/sh', ['-c', `for i in $(seq ${n}); do setsid sleep 1000 & done; wait`], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, TEND_BENCH_RUN: RUN_MARK, TEND_TASK_ID: id },
    });
    const leader = await pollUntil('the leader', () => listProcStats().find((p) => p.pid === child.pid));
    await pollUntil(`${n} sleeps`, () => findOurs().length >= n + 1, { timeoutMs: 120_000, intervalMs: 200 });
    const total = listProcStats().length;
    const target = { id, pid: leader.pid, pgid: leader.pid, startTicks: leader.startTicks };
    const statPass = time(() => listProcStats());
    const own = time(() => scanTaskProcesses(target, scope));
    const older = time(() => scanTaskProcesses({ ...target, id: 'zzzzzzzz', startTicks: 0 }, scope));
    const newer = time(() => scanTaskProcesses({ ...target, startTicks: Number.MAX_SAFE_INTEGER }, scope));
    // A shutdown stopping 128 tasks in one loop, each older than the N processes: shared reads vs afresh.
    const targets = Array.from({ length: 128 }, (_, i) => ({ ...target, id: `zzzz${i}`, startTicks: 0 }));
    const batch = (reader) => {
      const start = now();
      for (const t of targets) scanTaskProcesses(t, scope, reader());
      return now() - start;
    };
    const shared = batch(turnProcReader);
    await Promise.resolve();
    const afresh = batch(() => LIVE_PROC);
    console.log(
      `${n} escapees (${total} processes): stat pass ${statPass.ms.toFixed(1)} ms; ` +
        `scan, task's own (${own.result.members.length} members) ${own.ms.toFixed(1)} ms; ` +
        `scan, older task, no member ${older.ms.toFixed(1)} ms; scan, newer task ${newer.ms.toFixed(1)} ms; ` +
        `128 older tasks in one turn: ${shared.toFixed(0)} ms shared, ${afresh.toFixed(0)} ms afresh`,
    );
    for (const pid of findOurs()) killOurs(pid);
    await pollUntil('the sleeps to end', () => findOurs().length === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
  }
  const bench = new BenchDaemon();
  try {
    mkdirSync(join(bench.home, 'config'), { recursive: true });
    writeFileSync(join(bench.home, 'config', 'config.json'), JSON.stringify({ containment: 'marker' }));
    bench.env.TEND_BENCH_RUN = RUN_MARK;
    await bench.start();
    const client = await bench.client();
    const storms = {
      'group only': 'for i in $(seq 500); do sleep 1000 & done; wait',
      'half setsid': 'for i in $(seq 250); do sleep 1000 & setsid sleep 1000 & done; wait',
    };
    for (const [name, command] of Object.entries(storms)) {
      const task = bench.track(await client.run({ command, cwd: bench.home }));
      const marked = () => processesWith(`TEND_TASK_ID=${task.id}`);
      await pollUntil('500 sleeps', () => marked().length >= 502, { timeoutMs: 120_000, intervalMs: 100 });
      const start = now();
      const ended = client.wait(task.id, { timeoutMs: 60_000 });
      await client.kill(task.id, { signal: 'SIGTERM', graceMs: 10_000 });
      await ended;
      const endedMs = now() - start;
      await pollUntil('the storm to end', () => marked().length === 0, { timeoutMs: 60_000, intervalMs: 2 });
      console.log(
        `stop of a 500-process task (${name}), marker mode: ended after ${endedMs.toFixed(0)} ms, ` +
          `last process gone after ${(now() - start).toFixed(0)} ms`,
      );
    }
  } finally {
    await bench.cleanup();
  }
} finally {
  for (const pid of findOurs()) killOurs(pid);
}
