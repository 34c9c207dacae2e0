// A task writing 200 MiB to stdout: from task/run until its log holds every
// byte (polled every 10 ms; and until task/wait answers), against the same
// command redirected to a file by the shell (until it exits); bytes lost
// by tend and by pm2 (whose God daemon reads the task's output through a pipe
// and writes it to its own log file).
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { BenchDaemon, now, sleep } from '../lib.mjs';

const size = (path) => (existsSync(path) ? statSync(path).size : 0);

/** The command: `yes` lines cut to exactly `bytes` bytes. */
export const generator = (bytes) => `yes 'tend benchmark: a line of output 0123456789' | head -c ${bytes}`;

/**
 * @returns `{bytes, tend: {ms[], endMs[], lost[]}, shell: {ms[]}, pm2: {ms[], lost[]}}` (ms per run;
 *   pm2's ms is until its log stopped growing when bytes were lost).
 */
export async function measureBigOutput(ctx) {
  const { smoke, pm2 } = ctx;
  const bytes = smoke ? 20 * 2 ** 20 : 200 * 2 ** 20;
  const runs = smoke ? 1 : Math.max(ctx.repeats, 9);
  const pm2Runs = smoke ? 0 : Math.max(ctx.repeats, 5);
  const command = generator(bytes);
  const bench = new BenchDaemon();
  try {
    await bench.start();
    const client = await bench.client('big-output');
    const result = {
      bytes,
      tend: { ms: [], endMs: [], lost: [] },
      shell: { ms: [] },
      pm2: { ms: [], lost: [] },
    };
    const shellRun = async () => {
      const refFile = join(bench.home, 'ref.log');
      const t0 = now();
      await execa('/bin/sh', ['-c', `${command} > ${refFile}`], { reject: true });
      result.shell.ms.push(now() - t0);
      if (size(refFile) !== bytes)
        throw new Error(`reference wrote ${size(refFile)} bytes, expected ${bytes}`);
      rmSync(refFile);
    };
    const tendRun = async () => {
      // The log's size is polled every 10 ms only (on 2 cores a tight poller competes with `yes` and `head`);
      // "ended" is when task/wait answers: after the wrapper's exit record, whose fsync may wait for the log's
      // own writeback on ext4 (data=ordered).
      const t0 = now();
      const task = await client.run({ command, cwd: bench.home });
      let full;
      const poll = setInterval(() => {
        if (full === undefined && size(task.logPath) >= bytes) full = now() - t0;
      }, 10);
      const { task: done } = await client.wait(task.id);
      const endMs = now() - t0;
      clearInterval(poll);
      const got = size(task.logPath);
      result.tend.ms.push(got >= bytes ? Math.min(full ?? endMs, endMs) : NaN);
      result.tend.endMs.push(endMs);
      result.tend.lost.push(bytes - got);
      if (done.state !== 'succeeded') throw new Error(`the ${bytes}-byte task ended ${done.state}`);
      await client.remove(task.id);
    };
    // Each write starts from the same state: the previous 200 MiB flushed (`sync`, untimed) and deleted.
    // Without it the second writer of a pair pays for the first one's writeback and block freeing (ext4):
    // up to 2× here, whichever it is.
    const settle = async () => {
      await execa('sync', [], { reject: false });
      await sleep(200);
    };
    for (let r = 0; r < runs; r++) {
      // Alternate the order too.
      for (const run of r % 2 === 0 ? [shellRun, tendRun] : [tendRun, shellRun]) {
        await settle();
        await run();
      }
      ctx.progress(
        `output run ${r + 1}/${runs}: tend ${result.tend.ms.at(-1).toFixed(0)} ms (ended ${result.tend.endMs.at(-1).toFixed(0)} ms), ` +
          `shell > file ${result.shell.ms.at(-1).toFixed(0)} ms, lost ${result.tend.lost.at(-1)} bytes`,
      );
    }
    for (let r = 0; pm2 && r < pm2Runs; r++) {
      const dir = join(pm2.home, 'big', String(r));
      mkdirSync(dir, { recursive: true });
      const out = join(dir, 'out.log');
      const name = `big-${r}`;
      await settle();
      const t0 = now();
      await pm2.start(name, ['-c', command], { outFile: out });
      // Until the log holds every byte, or the app has stopped and its log has not grown for 2 s.
      let last = -1;
      let stableSince = now();
      let done = false;
      while (!done) {
        await sleep(5);
        const s = size(out);
        if (s >= bytes) break;
        if (s !== last) {
          last = s;
          stableSince = now();
        } else if (now() - stableSince > 2000) {
          const app = (await pm2.list()).find((p) => p.name === name);
          done = app?.status !== 'online';
        }
        if (now() - t0 > 120_000) throw new Error('pm2 took over 120 s');
      }
      const got = size(out);
      result.pm2.ms.push(got >= bytes ? now() - t0 : stableSince - t0);
      result.pm2.lost.push(bytes - got);
      await pm2.delete(name);
      rmSync(dir, { recursive: true, force: true });
      ctx.progress(
        `pm2 output run ${r + 1}/${pm2Runs}: ${result.pm2.ms.at(-1).toFixed(0)} ms, lost ${result.pm2.lost.at(-1)} bytes`,
      );
    }
    return result;
  } finally {
    await bench.cleanup();
  }
}
