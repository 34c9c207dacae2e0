// Exit of a task the daemon started itself (its own child) → task/didChange at a
// client.
//
// Method: the task runs `sleep 0.1; date +%s%N`, so its last act prints the
// wall clock (ns) into its log; the client notes the wall clock
// (performance.timeOrigin + performance.now()) when task/didChange with the
// ended state arrives. That delay (A) includes the wrapper's own tail after the
// command: printf of the exit record, `sync` (fsync) and `mv`, each a fork+exec,
// then the wrapper's exit. The reference spawns the same wrapper with the same
// command from a small Node process through execa (ref/spawner.mjs) and notes
// the wall clock at its 'exit' event (R): the wrapper's tail plus a parent's SIGCHLD handling, and
// nothing of tend. A − R is tend's own part: exit → didChange at the client.
// File mtimes cannot be used for this: ext4 stamps them from the coarse clock
// (4 ms ticks here).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchDaemon, isTerminalState, pollUntil, stats, wallNow } from '../lib.mjs';
import { RefSpawner } from '../ref/spawner-client.mjs';

const COMMAND = 'sleep 0.1; date +%s%N';

/** The wall clock (ms since the epoch) the command printed last in `logPath`. */
function printedAt(logPath) {
  const lines = readFileSync(logPath, 'utf8').trim().split('\n');
  const ns = BigInt(lines.at(-1));
  return Number(ns / 1000n) / 1000;
}

/**
 * @returns per-repeat p50s (ms): `{samples, tend[] (A), reference[] (R), own[] (A − R)}`.
 */
export async function measureExitNotify(ctx) {
  const { repeats, smoke } = ctx;
  const samples = smoke ? 10 : 30;
  const bench = new BenchDaemon();
  const spawner = new RefSpawner();
  try {
    await bench.start();
    const client = await bench.client('exit-notify');
    const endedAt = new Map();
    client.onTaskDidChange(({ task }) => {
      if (isTerminalState(task.state) && !endedAt.has(task.id)) endedAt.set(task.id, wallNow());
    });
    const result = {
      samples,
      command: COMMAND,
      tend: [],
      reference: [],
      own: [],
      tendAll: [],
      referenceAll: [],
    };
    for (let r = 0; r < repeats; r++) {
      const a = [];
      const ref = [];
      for (let i = 0; i < samples; i++) {
        const task = await client.run({ command: COMMAND, cwd: bench.home });
        await pollUntil(`end of ${task.id}`, () => endedAt.has(task.id), {
          timeoutMs: 10_000,
          intervalMs: 5,
        });
        a.push(endedAt.get(task.id) - printedAt(task.logPath));
      }
      ref.push(
        ...(await spawner.exitDelays(
          bench.wrapperPath,
          join(bench.home, 'ref', String(r)),
          samples,
          COMMAND,
        )),
      );
      const sa = stats(a).p50;
      const sr = stats(ref).p50;
      result.tend.push(sa);
      result.reference.push(sr);
      result.own.push(sa - sr);
      result.tendAll.push(...a);
      result.referenceAll.push(...ref);
      ctx.progress(
        `exit → didChange repeat ${r + 1}/${repeats}: command's last output → didChange p50 ${sa.toFixed(2)} ms, ` +
          `→ wrapper exit seen by a bare parent ${sr.toFixed(2)} ms, tend's own ${(sa - sr).toFixed(2)} ms`,
      );
    }
    return result;
  } finally {
    spawner.close();
    await bench.cleanup();
  }
}
