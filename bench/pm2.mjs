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
    return this.timedStart(appSpec(name, args, outFile, cwd));
  }

  /**
   * Starts many `/bin/sh ARGS…` apps in ONE `pm2.start({apps})` call (output to /dev/null, no restart):
   * pm2 then fetches its process list once, where a start per app fetches the whole list (every app's
   * environment) each time, O(n²) for n apps. pm2 logs and skips an app whose launch fails instead of
   * failing the call: callers wait for the apps they need with {@link waitOnline}.
   * @param apps `[{name, args}]`
   * @returns the ms the call took
   */
  async startMany(apps, { cwd = this.home } = {}) {
    return this.timedStart({ apps: apps.map(({ name, args }) => appSpec(name, args, '/dev/null', cwd)) });
  }

  /** `pm2.start(spec)`, recording the pids of the apps it started; resolves with the ms it took. */
  async timedStart(spec) {
    const t0 = now();
    const procs = await this.call('start', spec);
    const elapsed = now() - t0;
    for (const proc of procs ?? []) {
      const pid = proc.process?.pid ?? proc.pid;
      if (pid) this.appPids.add(pid);
    }
    return elapsed;
  }

  /**
   * Waits until every app named in `names` is online, polling pm2's list every 500 ms until `timeoutMs`;
   * resolves with the ms it took.
   * @throws Error naming how many were online, and the other states seen, when the deadline passes first.
   */
  async waitOnline(names, { timeoutMs = 60_000 } = {}) {
    const t0 = now();
    const wanted = new Set(names);
    let states = {};
    try {
      await pollUntil(
        `${names.length} pm2 apps to be online`,
        async () => {
          states = {};
          for (const p of await this.list()) {
            if (!wanted.has(p.name)) continue;
            states[p.status] = (states[p.status] ?? 0) + 1;
            if (p.pid) this.appPids.add(p.pid);
          }
          return (states.online ?? 0) >= names.length;
        },
        { timeoutMs, intervalMs: 500 },
      );
    } catch (error) {
      const listed = Object.values(states).reduce((a, b) => a + b, 0);
      throw new Error(
        `pm2 reports ${states.online ?? 0} of ${names.length} apps online after ${((now() - t0) / 1000).toFixed(0)} s ` +
          `(${listed} listed: ${JSON.stringify(states)}): ${error.message}`,
      );
    }
    return now() - t0;
  }

  /** Names in `names` that pm2 does not list (a launch pm2 skipped). */
  async missing(names) {
    const listed = new Set((await this.list()).map((p) => p.name));
    return names.filter((name) => !listed.has(name));
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

  /**
   * Deletes every app whose name starts with `prefix` (letters, digits and `-` only) in one call
   * (pm2's `/regex/` form: one list fetch, where a delete per name lists every app each time).
   * Their processes are SIGKILLed first, by the pids pm2 lists and only if they carry this run's
   * marker: pm2 then only drops stopped entries (100 running apps: 7.6 s to delete, 1.1 s once killed).
   */
  async deletePrefix(prefix) {
    if (!/^[\w-]+$/.test(prefix)) throw new Error(`deletePrefix: ${prefix} is not a plain name prefix`);
    for (const p of await this.list()) {
      if (!p.name.startsWith(prefix) || !p.pid) continue;
      this.appPids.add(p.pid);
      killOurs(p.pid, { group: false });
    }
    await this.call('delete', `/^${prefix}/`);
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

/** pm2's app description of `/bin/sh ARGS…` named `name`: no restart, no log timestamps, stderr beside stdout (`.err`). */
function appSpec(name, args, outFile, cwd) {
  return {
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
  };
}
