// Issue 12 figure: stop latency of a 500-process task through the daemon, cgroup vs marker
// containment. Per round: a task forks N sleeps (`for i in $(seq N); do sleep 1000 & done; wait`);
// once all are forked, task/kill with SIGTERM (the default stop) is sent and the clock runs until
// (a) the client sees the task ended and (b) every process that carried TEND_TASK_ID=<id> is gone
// (/proc scan). cgroup: freeze + SIGTERM each + thaw (daemon signalCgroup); marker: one
// kill(-pgid, SIGTERM) to the process group. Nothing leaves the group here, so both reach all.
// With SIGKILL as 3rd argument: cgroup.kill against kill(-pgid, SIGKILL).
// Usage (writable cgroup v2 for the cgroup row): node bench/stop-latency.mjs [N=500] [rounds=3] [SIGTERM|SIGKILL]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestCgroupRoot, removeTestCgroup } from '../test/support/cgroup.mjs';
import { isAlive, processesWith } from '../test/support/processes.mjs';
import { BenchDaemon, median, now, pollUntil } from './lib.mjs';

const N = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 3);
const SIGNAL = process.argv[4] ?? 'SIGTERM';

async function measure(mode) {
  const bench = new BenchDaemon();
  let cgroup;
  try {
    if (mode === 'cgroup') {
      cgroup = useTestCgroupRoot(bench.home);
      if (!cgroup.path) throw new Error(`no test cgroup: ${cgroup.reason}`);
    } else {
      mkdirSync(join(bench.home, 'config'), { recursive: true, mode: 0o700 });
      writeFileSync(join(bench.home, 'config', 'config.json'), '{"containment":"marker"}');
    }
    await bench.start();
    const client = await bench.client();
    const ended = [];
    const gone = [];
    for (let round = 0; round < ROUNDS; round++) {
      const task = bench.track(
        await client.run({
          command: `for i in $(seq ${N}); do sleep 1000 & done; echo started; wait`,
          cwd: bench.home,
        }),
      );
      await pollUntil(
        'the sleeps to be forked',
        async () => (await client.output({ id: task.id })).data.includes('started'),
        {
          timeoutMs: 120_000,
        },
      );
      const pids = processesWith(`TEND_TASK_ID=${task.id}`);
      if (pids.length < N) throw new Error(`only ${pids.length} processes carry the marker`);
      const t0 = now();
      const waited = client.wait(task.id, { timeoutMs: 60_000 });
      await client.kill(task.id, { signal: SIGNAL });
      await waited;
      ended.push(now() - t0);
      await pollUntil('every process to be gone', () => !pids.some(isAlive), {
        timeoutMs: 60_000,
        intervalMs: 1,
      });
      gone.push(now() - t0);
      bench.untrack(task);
    }
    return { ended: median(ended), gone: median(gone) };
  } finally {
    await bench.cleanup();
    if (cgroup?.path) await removeTestCgroup(cgroup.path);
  }
}

for (const mode of ['marker', 'cgroup']) {
  const { ended, gone } = await measure(mode);
  console.log(
    `${mode.padEnd(7)} ${N} processes, ${SIGNAL}: task ended ${ended.toFixed(0)} ms, all gone ${gone.toFixed(0)} ms (median of ${ROUNDS})`,
  );
}
