// Diagnostic (issue 13): A/B of two builds' cost of task ends in marker containment, interleaved in one
// run (the machine's load drifts). Each daemon first starts LIVE tasks `sleep 3600` (kept running, so
// every end's leftover scan passes over their processes too: both daemons' are in /proc for both). Per
// round and build: N tasks `true` started by 4 concurrent clients (as the throughput figure), until all
// have ended (task/didExit); reports started/s, the daemon's CPU time per task (utime + stime from
// /proc/<pid>/stat, ms: start, end, leftover scan), the p50 of task/run → task/didExit (ms), and the p50
// of the ended task's task/didChange → its task/didExit at the client (ms: what waits for the leftover scan).
// Usage: node bench/tools/ab-task-ends.mjs STAGE_A STAGE_B [rounds=4] [N=200] [LIVE=0]
//   STAGE_*: a release stage directory (its dist/tend-daemon.js is started).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchDaemon, isTerminalState, now, pollUntil, stats } from '../lib.mjs';

const [stageA, stageB] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] ?? 4);
const n = Number(process.argv[5] ?? 200);
const live = Number(process.argv[6] ?? 0);
if (!stageA || !stageB) throw new Error('usage: ab-task-ends.mjs STAGE_A STAGE_B [rounds] [N] [LIVE]');

/** The process's CPU time so far (utime + stime), ms (USER_HZ 100). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const builds = [stageA, stageB].map((stage) => ({
  stage,
  bench: new BenchDaemon({ daemonBin: join(stage, 'dist', 'tend-daemon.js') }),
  rate: [],
  cpu: [],
  exit: [],
  gap: [],
}));

/** Runs `n` tasks `true` through the build's 4 clients; returns started/s and the didExit delays (ms). */
async function batch(b) {
  const ids = [];
  const startedAt = new Map();
  let next = 0;
  const t0 = now();
  await Promise.all(
    b.clients.map(async (client) => {
      while (next < n) {
        next++;
        const at = now();
        const { id } = await client.run({ command: 'true', cwd: b.bench.home });
        ids.push(id);
        startedAt.set(id, at);
      }
    }),
  );
  const rate = n / ((now() - t0) / 1000);
  await pollUntil('batch to end', () => ids.every((id) => b.exited.has(id)), {
    timeoutMs: 300_000,
    intervalMs: 5,
  });
  return {
    rate,
    exit: ids.map((id) => b.exited.get(id) - startedAt.get(id)),
    gap: ids.map((id) => b.exited.get(id) - b.endedAt.get(id)),
  };
}

try {
  for (const b of builds) {
    await b.bench.start();
    b.clients = [];
    for (let i = 0; i < 4; i++) b.clients.push(await b.bench.client(`ends-${i}`));
    b.exited = new Map();
    b.endedAt = new Map();
    b.clients[0].onTaskDidChange(({ task }) => {
      if (isTerminalState(task.state) && !b.endedAt.has(task.id)) b.endedAt.set(task.id, now());
    });
    b.clients[0].onTaskDidExit(({ completion }) => {
      if (!b.exited.has(completion.taskId)) b.exited.set(completion.taskId, now());
    });
    for (let i = 0; i < live; i++) await b.clients[0].run({ command: 'sleep 3600', cwd: b.bench.home });
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) {
      const c0 = cpuMs(b.bench.pid);
      const { rate, exit, gap } = await batch(b);
      b.gap.push(stats(gap).p50);
      b.cpu.push((cpuMs(b.bench.pid) - c0) / n);
      b.rate.push(rate);
      b.exit.push(stats(exit).p50);
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    console.log(
      `round ${r + 1} (load ${load}): ` +
        builds
          .map(
            (b, i) =>
              `${'AB'[i]} ${b.rate.at(-1).toFixed(1)} started/s cpu/task ${b.cpu.at(-1).toFixed(2)} ms run→didExit p50 ${b.exit.at(-1).toFixed(1)} ms didChange→didExit p50 ${b.gap.at(-1).toFixed(2)} ms`,
          )
          .join(' | '),
    );
  }
  const med = (xs) => stats(xs).p50;
  const [a, b] = builds;
  console.log(
    `median: A ${med(a.rate).toFixed(1)}/s cpu ${med(a.cpu).toFixed(2)} ms didExit ${med(a.exit).toFixed(1)} ms gap ${med(a.gap).toFixed(2)} ms | ` +
      `B ${med(b.rate).toFixed(1)}/s cpu ${med(b.cpu).toFixed(2)} ms didExit ${med(b.exit).toFixed(1)} ms gap ${med(b.gap).toFixed(2)} ms`,
  );
} finally {
  for (const b of builds) await b.bench.cleanup();
}
