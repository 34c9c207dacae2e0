// pm2 as a reference: its programmatic API on a God daemon of the bench's own,
// in a temp PM2_HOME. Cleanup kills the apps by the pids pm2 reports and the God
// daemon by the pid in $PM2_HOME/pm2.pid — never by name — and only processes
// that carry this bench run's marker (see lib.mjs).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { killOurs, now, ours, pollUntil } from './lib.mjs';

const require = createRequire(import.meta.url);
export const PM2_BIN = require.resolve('pm2/bin/pm2');

/** A pm2 God daemon of the bench's own. */
export class BenchPm2 {
  constructor() {
    this.home = mkdtempSync('/tmp/pm2-bench-');
    this.env = { ...process.env, PM2_HOME: this.home };
    delete this.env.NODE_EXTRA_CA_CERTS;
    this.appPids = new Set();
  }

  /** Connects (spawning the God daemon); resolves with the ms it took. */
  async connect() {
    const PM2 = require('pm2');
    this.api = new PM2.custom({ pm2_home: this.home, daemon_mode: true });
    const t0 = now();
    await this.call('connect');
    const elapsed = now() - t0;
    this.godPid = Number(readFileSync(join(this.home, 'pm2.pid'), 'utf8'));
    return elapsed;
  }

  call(method, ...args) {
    return new Promise((resolve, reject) => {
      this.api[method](...args, (err, result) =>
        err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolve(result),
      );
    });
  }

  /**
   * Starts `/bin/sh ARGS…` as app `name` (no restart, no log timestamps), stdout
   * to `outFile` and stderr beside it (`.err`); resolves with the ms `pm2.start` took.
   */
  async start(name, args, { outFile = '/dev/null', cwd = this.home } = {}) {
    const t0 = now();
    const procs = await this.call('start', {
      name,
      script: '/bin/sh',
      args,
      interpreter: 'none',
      autorestart: false,
      cwd,
      out_file: outFile,
      error_file: outFile === '/dev/null' ? outFile : `${outFile}.err`,
      merge_logs: true,
      time: false,
    });
    const elapsed = now() - t0;
    for (const proc of procs ?? []) {
      const pid = proc.process?.pid ?? proc.pid;
      if (pid) this.appPids.add(pid);
    }
    return elapsed;
  }

  /** `pm2 ls`-like data: `[{name, pid, status}]`. */
  async list() {
    const procs = await this.call('list');
    return procs.map((p) => ({ name: p.name, pid: p.pid, status: p.pm2_env?.status }));
  }

  async delete(name) {
    for (const p of await this.list()) if (p.name === name && p.pid) this.appPids.add(p.pid);
    await this.call('delete', name);
  }

  /** Wall time of one cold `pm2 ls` CLI process, in ms. */
  lsWall() {
    return new Promise((resolve, reject) => {
      const t0 = now();
      const child = spawn(process.execPath, [PM2_BIN, 'ls'], {
        env: this.env,
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve(now() - t0) : reject(new Error(`pm2 ls exited with ${code}`)),
      );
    });
  }

  async cleanup() {
    try {
      if (this.api) for (const p of await this.list()) if (p.pid) this.appPids.add(p.pid);
    } catch {
      // God daemon already gone
    }
    try {
      if (this.api) await Promise.race([this.call('disconnect'), new Promise((r) => setTimeout(r, 2000))]);
    } catch {
      // ignore
    }
    for (const pid of this.appPids) killOurs(pid, { group: false });
    let god = this.godPid;
    try {
      god = Number(readFileSync(join(this.home, 'pm2.pid'), 'utf8'));
    } catch {
      // no pid file
    }
    const pids = [god, this.godPid].filter(Boolean);
    for (const pid of pids) killOurs(pid);
    await pollUntil('pm2 God daemon to exit', () => pids.every((pid) => !ours(pid)), {
      timeoutMs: 10_000,
      intervalMs: 2,
    });
    rmSync(this.home, { recursive: true, force: true });
  }
}
