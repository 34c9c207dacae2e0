// Issue 12 figures: how long a stop of a 500-process task takes with the cgroup primitives
// (cgroup.kill; freeze + SIGKILL each + thaw; freeze + SIGTERM each + thaw) against
// kill(-pgid, SIGKILL) to the process group, and the cost of one freeze/thaw round on its own.
// Method: per round, `sh -c 'for i in $(seq N); do sleep 1000 & done; echo; wait'` is started
// detached (own process group) and moved into a fresh test cgroup (test/support/cgroup.mjs) before
// it forks; once all N+1 pids are listed, the clock starts, the signal is sent, and the clock stops
// when the cgroup reads `populated 0` (every process has exited; polled each event-loop turn;
// all methods run in a cgroup, so the end is measured the same way), checked against /proc. The setsid'd / group-leaving case is not timed here:
// a process-group signal cannot reach it at all.
// Usage (root, writable cgroup v2): node bench/cgroup-stop.mjs [N=500] [rounds=5]
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, makeTestCgroupRoot, removeTestCgroup } from '../test/support/cgroup.mjs';
import { isAlive } from '../test/support/processes.mjs';

const N = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 5);
const ms = () => Number(process.hrtime.bigint()) / 1e6;

/** Freezes `dir`, waits for `frozen 1`, sends `signal` to each pid, thaws: the daemon's signalCgroup. */
function freezeSignalThaw(dir, signal) {
  writeFileSync(join(dir, 'cgroup.freeze'), '1');
  while (!/^frozen 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'))) {
    /* spin: the daemon waits the same way, at most 200 ms */
  }
  let sent = 0;
  for (const pid of cgroupPids(dir)) {
    try {
      process.kill(pid, signal);
      sent++;
    } catch {}
  }
  writeFileSync(join(dir, 'cgroup.freeze'), '0');
  return sent;
}

const METHODS = {
  'kill(-pgid, SIGKILL)': (_dir, pgid) => process.kill(-pgid, 'SIGKILL'),
  'cgroup.kill': (dir) => writeFileSync(join(dir, 'cgroup.kill'), '1'),
  'freeze + SIGKILL each + thaw': (dir) => freezeSignalThaw(dir, 'SIGKILL'),
  'freeze + SIGTERM each + thaw': (dir) => freezeSignalThaw(dir, 'SIGTERM'),
};

async function startStorm(dir) {
  const child = spawn(
    '/bin/sh',
    ['-c', `echo $$ > ${dir}/cgroup.procs; for i in $(seq ${N}); do sleep 1000 & done; echo; wait`],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const pids = cgroupPids(dir);
  if (pids.length < N + 1) throw new Error(`only ${pids.length} processes started`);
  return { pgid: child.pid, pids };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const root = makeTestCgroupRoot();
if (!root.path) throw new Error(`no test cgroup: ${root.reason}`);
try {
  const results = {};
  for (const [name, stop] of Object.entries(METHODS)) {
    results[name] = { sendMs: [], goneMs: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const dir = join(root.path, `${name.replace(/\W+/g, '-')}-${round}`);
      (await import('node:fs')).mkdirSync(dir);
      const { pgid, pids } = await startStorm(dir);
      const start = ms();
      stop(dir, pgid);
      const sent = ms();
      // populated 0: every process of the cgroup has exited (the kernel's own count, cheap to read).
      while (/^populated 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'))) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (pids.some(isAlive)) throw new Error('populated 0 while a recorded process still runs');
      results[name].sendMs.push(sent - start);
      results[name].goneMs.push(ms() - start);
    }
  }
  // One freeze + thaw of a cgroup with N sleeping processes, nothing signalled.
  const dir = join(root.path, 'freeze-only');
  (await import('node:fs')).mkdirSync(dir);
  const { pgid } = await startStorm(dir);
  const freezeMs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = ms();
    freezeSignalThaw(dir, 0);
    freezeMs.push(ms() - start);
  }
  process.kill(-pgid, 'SIGKILL');
  console.log(
    `${N} processes, ${ROUNDS} rounds, median ms (kernel ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`,
  );
  for (const [name, { sendMs, goneMs }] of Object.entries(results)) {
    console.log(
      `${name.padEnd(30)} send ${median(sendMs).toFixed(1).padStart(7)}  all gone ${median(goneMs).toFixed(1).padStart(7)}`,
    );
  }
  console.log(`${'freeze + list + thaw (signal 0)'.padEnd(30)} ${median(freezeMs).toFixed(1).padStart(12)}`);
} finally {
  await removeTestCgroup(root.path);
}
