// Diagnostic: A/B of two builds' task/run and exit → didChange, interleaved in one run (the
// machine's load drifts). Per round and build: task/run p50 (ms, as the taskRun figure: call →
// reply, each task awaited before the next), the daemon's CPU time per task (utime + stime from
// /proc/<pid>/stat, ms; the wrapper's own CPU is not in it), and exit → didChange p50 (ms: the
// command's last printed wall clock → the client's didChange of the ended task, as the exitNotify
// figure's "A"; the wrapper's tail is in it, the same for both builds).
// Usage: node bench/tools/ab-task-run.mjs STAGE_A STAGE_B [rounds=6] [runs=40] [exits=15]
//   STAGE_*: a release stage directory (its dist/tend-daemon.js is started).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchDaemon, isTerminalState, pollUntil, stats, wallNow } from '../lib.mjs';
import { runLatencies } from '../figures/task-run.mjs';

const [stageA, stageB] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] ?? 6);
const runs = Number(process.argv[5] ?? 40);
const exits = Number(process.argv[6] ?? 15);
if (!stageA || !stageB) throw new Error('usage: ab-task-run.mjs STAGE_A STAGE_B [rounds] [runs] [exits]');
const ticks = 100; // USER_HZ: /proc/<pid>/stat counts clock ticks of 10 ms

/** The process's CPU time so far (utime + stime), ms. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
}

/** Exit → didChange (ms) of `count` tasks printing their last wall clock. */
async function exitDelays(client, endedAt, cwd, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const task = await client.run({ command: 'sleep 0.05; date +%s%N', cwd });
    await pollUntil(`end of ${task.id}`, () => endedAt.has(task.id), { timeoutMs: 10_000, intervalMs: 5 });
    const ns = BigInt(readFileSync(task.logPath, 'utf8').trim().split('\n').at(-1));
    out.push(endedAt.get(task.id) - Number(ns / 1000n) / 1000);
  }
  return out;
}

const builds = [stageA, stageB].map((stage) => ({
  stage,
  bench: new BenchDaemon({ daemonBin: join(stage, 'dist', 'tend-daemon.js') }),
  run: [],
  cpu: [],
  exit: [],
}));
try {
  for (const b of builds) {
    await b.bench.start();
    b.client = await b.bench.client('ab');
    b.endedAt = new Map();
    b.client.onTaskDidChange(({ task }) => {
      if (isTerminalState(task.state) && !b.endedAt.has(task.id)) b.endedAt.set(task.id, wallNow());
    });
    await runLatencies(b.client, b.bench.home, 10);
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) {
      const c0 = cpuMs(b.bench.pid);
      b.run.push(stats(await runLatencies(b.client, b.bench.home, runs)).p50);
      b.cpu.push((cpuMs(b.bench.pid) - c0) / runs);
      if (exits > 0) b.exit.push(stats(await exitDelays(b.client, b.endedAt, b.bench.home, exits)).p50);
    }
    console.log(
      `round ${r + 1}: ` +
        builds
          .map(
            (b, i) =>
              `${'AB'[i]} run ${b.run.at(-1).toFixed(2)} ms cpu/task ${b.cpu.at(-1).toFixed(2)} ms` +
              (exits > 0 ? ` exit ${b.exit.at(-1).toFixed(2)} ms` : ''),
          )
          .join(' | '),
    );
  }
  const med = (xs) => stats(xs).p50;
  const [a, b] = builds;
  const ratios = a.run.map((x, i) => b.run[i] / x);
  console.log(
    `median: A run ${med(a.run).toFixed(2)} cpu ${med(a.cpu).toFixed(2)} exit ${exits > 0 ? med(a.exit).toFixed(2) : '-'} | ` +
      `B run ${med(b.run).toFixed(2)} cpu ${med(b.cpu).toFixed(2)} exit ${exits > 0 ? med(b.exit).toFixed(2) : '-'} | ` +
      `B/A run per round ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} (median ${med(ratios).toFixed(2)})`,
  );
} finally {
  for (const b of builds) await b.bench.cleanup();
}
