// Diagnostic: is the daemon's memory growth after many tasks a leak? Runs N
// batches of short tasks against tools/heap-daemon.mjs and prints heapUsed after
// a full GC and RSS after each batch.
// Usage: node bench/tools/heap-check.mjs [batches=5] [batchSize=1000]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchDaemon, pollUntil, rssBytes, sleep } from '../lib.mjs';

const batches = Number(process.argv[2] ?? 5);
const size = Number(process.argv[3] ?? 1000);
const bench = new BenchDaemon();
try {
  const child = spawn(process.execPath, ['--expose-gc', join(import.meta.dirname, 'heap-daemon.mjs')], {
    env: bench.env,
    stdio: 'inherit',
    detached: true,
  });
  bench.pid = child.pid;
  bench.daemonPids.push(child.pid);
  await pollUntil('daemon', () => existsSync(join(bench.home, 'run', 'daemon.json')), {
    timeoutMs: 30_000,
    intervalMs: 2,
  });
  const clients = [];
  for (let i = 0; i < 4; i++) clients.push(await bench.client());
  const sample = async (label) => {
    await sleep(500);
    process.kill(bench.pid, 'SIGUSR2');
    const file = join(bench.home, 'heap.jsonl');
    const before = existsSync(file) ? readFileSync(file, 'utf8').split('\n').length : 0;
    await pollUntil(
      'heap sample',
      () => existsSync(file) && readFileSync(file, 'utf8').split('\n').length > before,
      { timeoutMs: 30_000, intervalMs: 2 },
    );
    const m = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1));
    console.log(
      `${label.padEnd(16)} heapUsed ${(m.heapUsed / 2 ** 20).toFixed(2)} MiB  old ${(m.spaces.old_space / 2 ** 20).toFixed(2)}  code ${(m.spaces.code_space / 2 ** 20).toFixed(2)}  external ${(m.external / 2 ** 20).toFixed(2)}  rss ${(rssBytes(bench.pid) / 2 ** 20).toFixed(1)} MiB`,
    );
  };
  for (const c of clients) await c.status();
  await sample('idle');
  for (let b = 1; b <= batches; b++) {
    let next = 0;
    const ids = [];
    await Promise.all(
      clients.map(async (c) => {
        while (next < size) {
          next++;
          ids.push((await c.run({ command: 'true', cwd: bench.home })).id);
        }
      }),
    );
    for (const id of ids) await clients[0].wait(id);
    await sample(`after ${b * size}`);
  }
} finally {
  await bench.cleanup();
}
