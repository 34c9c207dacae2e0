// task/run until the task is `running` (the reply of task/run) through
// TendClient, against execa spawning the same wrapper with its output to a file
// (from a small process of its own, ref/spawner.mjs), and pm2's programmatic
// pm2.start of the same wrapper and command.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BenchDaemon, now, rssBytes, stats } from '../lib.mjs';
import { RefSpawner } from '../ref/spawner-client.mjs';

/**
 * p50s (ms) of `count` sequential `client.run({command})` calls; each task's end
 * is awaited (untimed) before the next starts, so the daemon is otherwise idle.
 */
export async function runLatencies(client, cwd, count, command = 'true') {
  const out = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    const task = await client.run({ command, cwd });
    out.push(now() - t0);
    await client.wait(task.id);
  }
  return out;
}

/** @returns per-repeat p50s (ms): `{tend[], execa[], pm2[]}` (pm2 empty without ctx.pm2). */
export async function measureTaskRun(ctx) {
  const { repeats, smoke, pm2 } = ctx;
  const count = smoke ? 20 : 100;
  const pm2Count = 10;
  const bench = new BenchDaemon();
  const spawner = new RefSpawner();
  try {
    await bench.start();
    const client = await bench.client('task-run');
    await runLatencies(client, bench.home, 10);
    await spawner.latencies(bench.wrapperPath, join(bench.home, 'ref-warm'), 10);
    const result = { count, pm2Count, tend: [], execa: [], pm2: [] };
    for (let r = 0; r < repeats; r++) {
      result.tend.push(stats(await runLatencies(client, bench.home, count)).p50);
      result.execa.push(
        stats(await spawner.latencies(bench.wrapperPath, join(bench.home, `ref-${r}`), count)).p50,
      );
      if (pm2) {
        const times = [];
        for (let i = 0; i < pm2Count; i++) {
          const name = `run-${r}-${i}`;
          const dir = join(bench.home, 'pm2', name);
          mkdirSync(dir, { recursive: true });
          times.push(
            await pm2.start(name, [bench.wrapperPath, join(dir, 'exit'), '/bin/sh', 'true'], {
              outFile: join(dir, 'output.log'),
            }),
          );
          await pm2.delete(name);
        }
        result.pm2.push(stats(times).p50);
      }
      ctx.progress(
        `task/run repeat ${r + 1}/${repeats}: tend ${result.tend.at(-1).toFixed(2)} ms, execa ${result.execa.at(-1).toFixed(2)} ms` +
          (pm2 ? `, pm2.start ${result.pm2.at(-1).toFixed(1)} ms` : ''),
      );
    }
    result.rss = { daemon: rssBytes(bench.pid), spawner: spawner.rss };
    return result;
  } finally {
    spawner.close();
    await bench.cleanup();
  }
}
