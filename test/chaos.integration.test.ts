import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { DaemonHarness, type RawClient } from './daemon-harness.js';
import type { Task } from '@tend/protocol';
import { pollUntil } from './support/poll.mjs';
import { isAlive } from './support/processes.mjs';

/** Deterministic PRNG (mulberry32) so that a failing seed can be replayed with TEND_CHAOS_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What `seq 1 n` prints. */
function seqText(n: number): string {
  let text = '';
  for (let i = 1; i <= n; i++) text += `${i}\n`;
  return text;
}

/** Pids of live (non-zombie) processes whose cwd is `dir`. */
function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir && isAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone, or not readable
    }
  }
  return found;
}

const harness = new DaemonHarness();
afterEach(async () => {
  await harness.cleanup();
});

it('loses no row, no exit status and no output byte across 12 daemon SIGKILLs at random moments', {
  timeout: 120_000,
}, async () => {
  const seed = Number(process.env.TEND_CHAOS_SEED ?? Date.now() % 1_000_000);
  const random = prng(seed);
  const pick = <T>(items: T[]): T | undefined => items[Math.floor(random() * items.length)];
  const acknowledged = new Set<string>();
  const known: string[] = [];
  const cwd = harness.home;

  async function worker(client: RawClient, stop: { now: boolean }): Promise<void> {
    while (!stop.now && !client.socket.destroyed) {
      const roll = random();
      try {
        if (roll < 0.5 && known.length < MAX_TASKS) {
          const n = 1 + Math.floor(random() * 30_000);
          const command = random() < 0.3 ? `sleep ${(random() * 2).toFixed(2)}; seq 1 ${n}` : `seq 1 ${n}`;
          const task = await client.request('task/run', { command, cwd });
          acknowledged.add(task.id);
          known.push(task.id);
        } else if (roll < 0.7) {
          const id = pick(known);
          if (id)
            await client.request('task/kill', {
              id,
              signal: random() < 0.5 ? 'SIGTERM' : 'SIGKILL',
              graceMs: 300,
            });
        } else {
          const id = pick(known);
          if (id) await client.request('task/output', { id, tail: { bytes: 4096 } });
        }
      } catch (error) {
        const code = (error as { code?: number }).code;
        // Expected while the daemon dies under the request, or for a kill of a task that already ended.
        if (code !== undefined && code !== 2003 && code > 0) throw error;
      }
    }
  }

  const MAX_TASKS = 400;
  const rounds = 12;
  for (let round = 0; round < rounds; round++) {
    await harness.start();
    const born = Date.now();
    const clients = [await harness.connect('chaos-a'), await harness.connect('chaos-b')];
    const stop = { now: false };
    const workers = clients.map((c) => worker(c, stop));
    const lifetime = 100 + Math.floor(random() * 1_400);
    await pollUntil('the daemon to live its random time', () => Date.now() >= born + lifetime, {
      intervalMs: 5,
    });
    await harness.kill9();
    stop.now = true;
    for (const c of clients) c.close();
    await Promise.all(workers);
  }

  await harness.start();
  const client = await harness.connect('chaos-check');
  let tasks: Task[] = (await client.request('task/list', { limit: 1000 })).tasks;
  for (const task of tasks) {
    if (['starting', 'running', 'stopping', 'restarting'].includes(task.state)) {
      await client.request('task/kill', { id: task.id, signal: 'SIGKILL' }).catch(() => undefined);
    }
  }
  for (const task of tasks) await client.request('task/wait', { id: task.id, timeoutMs: 15_000 });
  tasks = (await client.request('task/list', { limit: 1000 })).tasks;
  const context = `seed ${seed}, ${tasks.length} tasks`;

  const ids = new Set(tasks.map((t) => t.id));
  for (const id of acknowledged)
    expect(ids.has(id), `${context}: task ${id} was acknowledged and must exist`).toBe(true);
  expect(
    tasks.filter((t) => ['starting', 'running', 'stopping', 'restarting'].includes(t.state)),
    context,
  ).toEqual([]);
  for (const task of tasks) {
    const n = Number(/seq 1 (\d+)$/.exec(task.command)?.[1]);
    const expected = seqText(n);
    const log = task.outputBytes > 0 ? readFileSync(task.logPath, 'utf8') : '';
    expect(log.length, `${context}: ${task.id} log size`).toBe(task.outputBytes);
    if (task.state === 'succeeded') {
      expect(task.exitCode, context).toBe(0);
      expect(log === expected, `${context}: ${task.id} (${task.command}) must hold every byte`).toBe(true);
    } else {
      expect(expected.startsWith(log), `${context}: ${task.id} output must be a prefix of seq's`).toBe(true);
      // A stop may race a natural end (killed with exit 0); an unknown end must never look like one.
      if (task.state === 'lost')
        expect(task.exitCode, `${context}: ${task.id} lost must have no exit code`).toBeUndefined();
      if (task.state === 'failed') expect(task.exitCode, context).not.toBe(0);
    }
  }
  expect(processesIn(harness.home), `${context}: processes tend does not list`).toEqual([]);
});
