// Shared pieces of the benchmarks: a real daemon in a temp TEND_HOME, a client,
// timing helpers, and cleanup of exactly the processes a run started (by pid).
//
// Every process a bench run starts carries TEND_BENCH_RUN=<run id> in its
// environment (the bench sets it in process.env, so children inherit it; the
// daemon passes it on to its tasks). Cleanup kills recorded pids only after
// checking that /proc/<pid>/environ carries that marker, so a pid reused by an
// unrelated process after one of ours ended is never signalled.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { daemonSpawnEnv, TendClient } from '../packages/client/dist/index.js';
import { DAEMON_NODE_FLAGS } from '../packages/cli/dist/connect.js';
import { pollUntil } from '../test/support/poll.mjs';
import { ownership, processesWith, signalIfOurs } from '../test/support/processes.mjs';
import { WRAPPER_SCRIPT } from '../packages/daemon/dist/tasks/wrapper.js';

export const ROOT = resolve(import.meta.dirname, '..');
/**
 * The release stage whose bundle is measured: release/stage, or $TEND_BENCH_STAGE (a copy of another
 * build's stage, to compare two builds in the same conditions, alternating runs).
 */
const STAGE_DIST = join(resolve(process.env.TEND_BENCH_STAGE || join(ROOT, 'release/stage')), 'dist');
const BUILDS = {
  bundle: { daemon: join(STAGE_DIST, 'tend-daemon.js'), cli: join(STAGE_DIST, 'tend.js') },
  dist: { daemon: join(ROOT, 'packages/daemon/dist/bin.js'), cli: join(ROOT, 'packages/cli/dist/bin.js') },
};

/**
 * Which build of the daemon and the CLI the bench measures: `bundle`, the release package's esbuild
 * bundle in release/stage/dist (what users run; `pnpm bundle` writes it, `pnpm bench` runs that first),
 * or `dist`, the workspace's unbundled tsc output. TEND_BENCH_BUILD=bundle|dist chooses; unset, the
 * bundle when release/stage exists, else dist. The client library (TendClient) is the workspace's in both.
 * @throws Error at import when TEND_BENCH_BUILD is another value, or `bundle` while release/stage is missing.
 */
export const BUILD = (() => {
  const wanted = process.env.TEND_BENCH_BUILD;
  if (wanted === undefined || wanted === '') return existsSync(BUILDS.bundle.cli) ? 'bundle' : 'dist';
  if (!(wanted in BUILDS)) throw new Error(`TEND_BENCH_BUILD=${wanted}: expected bundle or dist`);
  if (wanted === 'bundle' && !existsSync(BUILDS.bundle.cli))
    throw new Error(`TEND_BENCH_BUILD=bundle but ${BUILDS.bundle.cli} is missing: run \`pnpm bundle\` first`);
  return wanted;
})();
/** The daemon's entry file of {@link BUILD}. */
export const DAEMON_BIN = BUILDS[BUILD].daemon;
/** The CLI's entry file of {@link BUILD}. */
export const CLI_BIN = BUILDS[BUILD].cli;

// Process start-up timings are taken without NODE_EXTRA_CA_CERTS: on some machines
// it adds ~40 ms to every Node start (it makes Node read a CA bundle at boot).
export const EXTRA_CA_CERTS_WAS_SET = process.env.NODE_EXTRA_CA_CERTS !== undefined;
delete process.env.NODE_EXTRA_CA_CERTS;

/** Marker of this bench run, inherited by every process it starts. */
export const RUN_MARK = `${process.pid}-${Date.now()}`;
process.env.TEND_BENCH_RUN = RUN_MARK;

/** Monotonic now, in ms (fractional). */
export const now = () => performance.now();

/** Wall clock now, in ms since the epoch with sub-ms resolution (comparable with `date +%s%N`). */
export const wallNow = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The one poll helper of tests and bench (test/support/poll.mjs), re-exported for the bench scripts. */
export { pollUntil } from '../test/support/poll.mjs';

/** Environment entry that marks this bench run's processes. */
const RUN_MARKER = `TEND_BENCH_RUN=${RUN_MARK}`;

/** True when process `pid` is alive (zombie rule of test/support/processes.mjs) and carries this run's marker. */
export function ours(pid) {
  return ownership({ pid, envMarker: RUN_MARKER }) === 'ours';
}

/** SIGKILLs `pid` (or its group with `group`) if it is one of this run's processes (test/support/processes.mjs). */
export function killOurs(pid, { group = false } = {}) {
  if (!ours(pid)) return false;
  return signalIfOurs({ pid, envMarker: RUN_MARKER }, 'SIGKILL', { group });
}

/** Pids of every live process carrying this run's marker (the bench process itself excluded). */
export function findOurs() {
  return processesWith(RUN_MARKER);
}

/** RSS of `pid` in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

export const MiB = 1024 * 1024;

/** user + system CPU ticks of `pid` (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * user + system CPU, in ms, of every child of this process that has ended and been waited for
 * (/proc/self/stat fields 16 and 17, cutime and cstime: the kernel's getrusage(RUSAGE_CHILDREN), in clock
 * ticks of 10 ms, USER_HZ 100). The difference around one child's run is its CPU time to ±10 ms; summed
 * over several runs the truncation errors do not add up (each reading is of the running total), so the
 * mean of n runs is good to ±10/n ms. Node gives no rusage of a child (no wait4), hence this.
 */
export function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** CPU used by `pid` over the next `ms`, in % of one core (clock ticks of 10 ms: USER_HZ 100). */
export async function cpuPercent(pid, ms) {
  const before = cpuTicks(pid);
  await sleep(ms);
  return ((cpuTicks(pid) - before) * 10 * 100) / ms;
}

/** Median, p99, min and max of a list of numbers. */
export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), min: sorted[0], max: sorted[sorted.length - 1] };
}

/** Median of a list (mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `{median, min, max, n, values}` of the per-repeat values of one figure. */
export function summary(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0, values };
  return {
    median: median(finite),
    min: Math.min(...finite),
    max: Math.max(...finite),
    n: finite.length,
    values,
  };
}

/** Runs `fn` `n` times at most `concurrency` at a time; resolves with the results in order. */
export async function pool(n, concurrency, fn) {
  const results = new Array(n);
  let next = 0;
  const workers = Array.from({ length: Math.min(n, concurrency) }, async () => {
    for (let i = next++; i < n; i = next++) results[i] = await fn(i);
  });
  await Promise.all(workers);
  return results;
}

const TERMINAL = new Set(['succeeded', 'failed', 'killed', 'timed_out', 'lost']);
export const isTerminalState = (state) => TERMINAL.has(state);

/**
 * A tend daemon of the benchmark's own, in a fresh TEND_HOME. Every daemon pid
 * and every task process group it sees are recorded; `cleanup()` kills those of
 * them that still carry the run's marker, then any other process that does.
 */
export class BenchDaemon {
  /** Every BenchDaemon not cleaned up yet (run.mjs cleans them on SIGINT). */
  static live = new Set();

  /**
   * @param nodeArgs extra node flags for the daemon (default: $TEND_BENCH_DAEMON_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
   *   after the flags the CLI starts it with (DAEMON_NODE_FLAGS), so that the bench measures the daemon users run.
   * @param daemonBin the daemon's entry file (default: {@link DAEMON_BIN}); A/B tools pass another build's.
   */
  constructor({
    nodeArgs = (process.env.TEND_BENCH_DAEMON_ARGS ?? '').split(' ').filter(Boolean),
    daemonBin = DAEMON_BIN,
  } = {}) {
    BenchDaemon.live.add(this);
    this.daemonBin = daemonBin;
    this.nodeArgs = [...DAEMON_NODE_FLAGS, ...nodeArgs];
    this.home = mkdtempSync('/tmp/tend-bench-');
    // The figures run up to 1,000 live tasks, past the default maxLiveTasks (128); a bench that
    // writes its own config.json replaces this one.
    mkdirSync(join(this.home, 'config'), { recursive: true, mode: 0o700 });
    writeFileSync(join(this.home, 'config', 'config.json'), JSON.stringify({ maxLiveTasks: 10_000 }));
    this.env = { ...process.env, TEND_HOME: this.home, SHELL: '/bin/sh' };
    delete this.env.NODE_EXTRA_CA_CERTS;
    this.daemonPids = [];
    this.groups = new Set();
    this.clients = [];
  }

  /**
   * The daemon's task wrapper as a file, for the references that spawn it without the daemon
   * (`/bin/sh FILE EXIT SHELL COMMAND` gets the same positional parameters as the daemon's
   * `/bin/sh -c SCRIPT tend-task EXIT SHELL COMMAND`). Written once into this bench's own home.
   */
  get wrapperPath() {
    const path = join(this.home, 'ref-task-wrapper.sh');
    if (!existsSync(path)) writeFileSync(path, WRAPPER_SCRIPT, { mode: 0o600 });
    return path;
  }

  get tasksDir() {
    return join(this.home, 'state', 'tasks');
  }

  /** Spawns a daemon; resolves once daemon.json exists, with the ms it took from spawn. */
  async start() {
    const json = join(this.home, 'run', 'daemon.json');
    rmSync(json, { force: true });
    const t0 = now();
    const child = spawn(process.execPath, [...this.nodeArgs, this.daemonBin], {
      // As a client starts it (MALLOC_ARENA_MAX…): the daemon measured is the one users run.
      env: daemonSpawnEnv(this.env),
      stdio: 'ignore',
      detached: true,
    });
    child.unref();
    this.pid = child.pid;
    this.daemonPids.push(child.pid);
    await pollUntil('daemon to serve', () => existsSync(json), { timeoutMs: 60_000, intervalMs: 1 });
    return now() - t0;
  }

  async kill9() {
    killOurs(this.pid);
    await pollUntil('daemon to die', () => !ours(this.pid), { timeoutMs: 30_000, intervalMs: 2 });
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

  /** Forgets a task's group (it ended: its pgid may be reused by anyone from now on). */
  untrack(task) {
    if (task.pgid) this.groups.delete(task.pgid);
  }

  async cleanup() {
    BenchDaemon.live.delete(this);
    for (const client of this.clients) await client.close().catch(() => undefined);
    this.clients = [];
    for (const pgid of this.groups) killOurs(pgid, { group: true });
    // SIGTERM first: the daemon shuts down cleanly (and writes a --cpu-prof profile if asked to).
    if (ours(this.pid)) {
      signalIfOurs({ pid: this.pid, envMarker: RUN_MARKER }, 'SIGTERM');
      await pollUntil('daemon to stop', () => !ours(this.pid), { timeoutMs: 5_000, intervalMs: 2 }).catch(
        () => undefined,
      );
    }
    for (const pid of this.daemonPids) killOurs(pid);
    // Tasks carry TEND_HOME=<this home> (the daemon's environment): catch any the bench did not record.
    for (const pid of processesWith(`TEND_HOME=${this.home}`)) killOurs(pid);
    await pollUntil('bench daemons to exit', () => this.daemonPids.every((pid) => !ours(pid)), {
      timeoutMs: 30_000,
      intervalMs: 2,
    });
    rmSync(this.home, { recursive: true, force: true });
  }
}
