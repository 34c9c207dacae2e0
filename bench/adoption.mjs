// Issue 3 figures: daemon start → serving with N live tasks to adopt, and the
// delay from an adopted task's end to the client's task/didChange.
// Usage: node bench/adoption.mjs [N...]   (default 100 1000)
// The full suite (bench/run.mjs, figures/live-tasks.mjs) uses the helpers below.
import { BenchDaemon, now, pollUntil, stats } from './lib.mjs';

/** Starts `n` sleepers (`exec sleep 3600`) through `client`, 50 requests at a time; tracks and returns them. */
export async function startSleepers(bench, client, n) {
  const tasks = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () =>
      client.run({ command: 'exec sleep 3600', cwd: bench.home }),
    );
    for (const task of await Promise.all(batch)) tasks.push(bench.track(task));
  }
  return tasks;
}

/**
 * Ends each of `tasks` (adopted by the daemon `watcher` talks to) with SIGTERM to
 * its process group, one at a time, and measures kill → task/didChange with an
 * ended state at `watcher`, in ms.
 */
export async function measureAdoptedEnds(bench, watcher, tasks) {
  const ended = new Map();
  const listener = watcher.onTaskDidChange(({ task }) => {
    if (['killed', 'succeeded', 'failed', 'lost'].includes(task.state) && !ended.has(task.id))
      ended.set(task.id, now());
  });
  const delays = [];
  try {
    for (const task of tasks) {
      const t0 = now();
      process.kill(-task.pgid, 'SIGTERM');
      await pollUntil(`end of ${task.id}`, () => ended.has(task.id), { timeoutMs: 10_000, intervalMs: 1 });
      delays.push(ended.get(task.id) - t0);
      bench.untrack(task);
    }
  } finally {
    listener.dispose();
  }
  return delays;
}

/** Starts `n` sleepers, SIGKILLs the daemon, and times the next daemon's start → serving (ms). */
export async function measureAdoption(n, { endSamples = 20 } = {}) {
  const bench = new BenchDaemon();
  try {
    await bench.start();
    const client = await bench.client();
    const tasks = await startSleepers(bench, client, n);
    await client.close();
    await bench.kill9();
    const startToServing = await bench.start();
    const watcher = await bench.client('watcher');
    const status = await watcher.status();
    if ((status.tasks.running ?? 0) !== n)
      throw new Error(`expected ${n} adopted, daemon reports ${JSON.stringify(status.tasks)}`);
    const delays = await measureAdoptedEnds(bench, watcher, tasks.slice(0, Math.min(endSamples, n)));
    return { n, startToServingMs: startToServing, endDetection: stats(delays) };
  } finally {
    await bench.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number);
  for (const n of sizes.length > 0 ? sizes : [100, 1000]) {
    const r = await measureAdoption(n);
    const d = r.endDetection;
    console.log(
      `N=${n}: start → serving ${r.startToServingMs.toFixed(0)} ms; adopted end → didChange p50 ${d.p50.toFixed(1)} ms, ` +
        `p99 ${d.p99.toFixed(1)} ms (min ${d.min.toFixed(1)}, max ${d.max.toFixed(1)}, n=${d.n})`,
    );
  }
}
