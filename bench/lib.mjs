// Shared pieces of the benchmarks: a real daemon in a temp TEND_HOME, a client,
// timing helpers, and cleanup of exactly the processes a run started (by pid).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TendClient } from '../packages/client/dist/index.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const DAEMON_BIN = join(ROOT, 'packages/daemon/dist/bin.js');
export const CLI_BIN = join(ROOT, 'packages/cli/dist/bin.js');

/** Monotonic now, in ms (fractional). */
export const now = () => performance.now();

/** Polls `probe` every `everyMs` until truthy or `timeoutMs` passes (then throws naming `what`). */
export async function pollUntil(what, probe, timeoutMs = 30_000, everyMs = 2) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True when `pid` runs and is not a zombie. */
export function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !'ZX'.includes(stat.charAt(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** RSS of `pid` in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Median, p99, min and max of a list of numbers. */
export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), min: sorted[0], max: sorted[sorted.length - 1] };
}

/**
 * A tend daemon of the benchmark's own, in a fresh TEND_HOME. Every daemon pid
 * and every task process group it sees are recorded and killed by `cleanup()`.
 */
export class BenchDaemon {
  constructor() {
    this.home = mkdtempSync('/tmp/tend-bench-');
    this.env = { ...process.env, TEND_HOME: this.home, SHELL: '/bin/sh' };
    delete this.env.NODE_EXTRA_CA_CERTS;
    this.daemonPids = [];
    this.groups = new Set();
    this.clients = [];
  }

  /** Spawns a daemon; resolves once daemon.json exists, with the ms it took from spawn. */
  async start() {
    const json = join(this.home, 'run', 'daemon.json');
    rmSync(json, { force: true });
    const t0 = now();
    const child = spawn(process.execPath, [DAEMON_BIN], { env: this.env, stdio: 'ignore', detached: true });
    child.unref();
    this.pid = child.pid;
    this.daemonPids.push(child.pid);
    await pollUntil('daemon to serve', () => existsSync(json), 60_000, 1);
    return now() - t0;
  }

  async kill9() {
    process.kill(this.pid, 'SIGKILL');
    await pollUntil('daemon to die', () => !alive(this.pid));
  }

  /** A connected TendClient (no auto-start: the bench starts daemons itself). */
  async client(name = 'bench') {
    const client = await TendClient.connect({ env: this.env, autoStart: false, clientName: name });
    this.clients.push(client);
    return client;
  }

  /** Records a task's process group for cleanup and returns the task. */
  track(task) {
    if (task.pgid) this.groups.add(task.pgid);
    return task;
  }

  async cleanup() {
    for (const client of this.clients) await client.close().catch(() => undefined);
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const pid of this.daemonPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await pollUntil('bench daemons to exit', () => this.daemonPids.every((pid) => !alive(pid)));
    rmSync(this.home, { recursive: true, force: true });
  }
}
