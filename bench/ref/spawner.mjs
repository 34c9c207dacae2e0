// The execa reference runs in this small process of its own (Node + execa only),
// not in the bench process: fork() — and so every spawn from Node — costs more
// the more memory the spawning process has mapped (here ~6 ms at 60 MiB RSS,
// ~16 ms at 125 MiB under the same load), and the bench process grows as it runs.
// Jobs arrive over IPC; each reply carries the measurements and this process's RSS.
//   {job: 'latencies', wrapper, dir, count, command}  → ms from execa() call to pid, each run awaited to its end
//   {job: 'batch', wrapper, dir, count}                → ms until `count` wrappers running `true` were started, and ended
//   {job: 'exitDelays', wrapper, dir, count, command}  → wall ms: command's last printed clock → this parent's 'exit' event
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ended, spawnWrapper } from './spawn-wrapper.mjs';

const now = () => performance.now();
const wallNow = () => performance.timeOrigin + performance.now();

async function latencies({ wrapper, dir, count, command }) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    const { subprocess } = spawnWrapper(wrapper, join(dir, String(i)), command);
    out.push(now() - t0);
    await ended(subprocess);
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}

async function batch({ wrapper, dir, count }) {
  const t0 = now();
  const subs = [];
  for (let i = 0; i < count; i++) subs.push(spawnWrapper(wrapper, join(dir, String(i)), 'true').subprocess);
  const startedMs = now() - t0;
  await Promise.all(subs.map(ended));
  const endedMs = now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return { startedMs, endedMs };
}

async function exitDelays({ wrapper, dir, count, command }) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const spawned = spawnWrapper(wrapper, join(dir, String(i)), command);
    let exitAt = 0;
    spawned.subprocess.once('exit', () => (exitAt = wallNow()));
    await ended(spawned.subprocess);
    const ns = BigInt(readFileSync(spawned.logPath, 'utf8').trim().split('\n').at(-1));
    out.push(exitAt - Number(ns / 1000n) / 1000);
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}

const JOBS = { latencies, batch, exitDelays };
process.on('message', async (message) => {
  try {
    const result = await JOBS[message.job](message);
    process.send({ id: message.id, result, rss: process.memoryUsage().rss });
  } catch (error) {
    process.send({ id: message.id, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
