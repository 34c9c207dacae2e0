import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { pollUntil } from './support/poll.mjs';
import { type OwnedProcess, recordProcess, signalIfOurs } from './support/processes.mjs';

/**
 * The init of the namespace: a shell that blocks in `wait` for a child that
 * never ends, and so reaps (wait3) every orphan re-parented to it — a pid is
 * free for reuse only once its process is reaped.
 */
const INIT = 'sleep 2147483647 & while :; do wait; done';

/**
 * Forces pid `$1` of the namespace to come back as a new session leader
 * (`setsid sleep 600`, no TEND_TASK_ID): SIGKILLs process group `$1`, waits
 * until its leader is reaped, then sets `/proc/sys/kernel/ns_last_pid` to
 * `$1 - 1` so that the next fork gets `$1` (retries while members of the
 * group still hold the pid). Prints the pid it got.
 */
const REUSE_SCRIPT = `
x=$1
kill -9 -$x || exit 1
tries=0
while :; do
  spins=0
  while [ -e /proc/$x ]; do
    spins=$((spins + 1))
    if [ $spins -ge 1000000 ]; then echo "pid $x was never reaped" >&2; exit 1; fi
  done
  echo $((x - 1)) > /proc/sys/kernel/ns_last_pid
  setsid sleep 600 </dev/null >/dev/null 2>&1 &
  got=$!
  if [ "$got" = "$x" ]; then echo "$got"; exit 0; fi
  kill -9 "$got"
  tries=$((tries + 1))
  if [ $tries -ge 200 ]; then echo "pid $x did not come back (got $got)" >&2; exit 1; fi
done
`;

/** Facts about a process of the namespace, from its /proc seen from outside. */
export interface NsProcess {
  state: string;
  pgid: number;
  sid: number;
  startTicks: number;
  /** Signals pending for it (SigPnd | ShdPnd of /proc/<pid>/status), as a bit mask. */
  pending: bigint;
}

/**
 * A PID namespace (with its own /proc, so `ns_last_pid` can be written) for
 * forced-PID-reuse tests: `unshare --pid --fork --mount-proc` (util-linux) with
 * a reaping init. Needs root. {@link destroy} SIGKILLs its init by pid, which
 * ends every process inside.
 */
export class PidNamespace {
  private constructor(
    private readonly unshare: ChildProcess,
    /** The init's pid outside the namespace. */
    readonly initPid: number,
    /** The init as recorded when it started (pid and start time), for {@link destroy}. */
    private readonly init: OwnedProcess,
  ) {}

  /**
   * @throws Error saying why when not root or unshare/nsenter are missing:
   *   these tests must not pass without running.
   */
  static async create(): Promise<PidNamespace> {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'the forced-PID-reuse tests need root (a PID namespace and /proc/sys/kernel/ns_last_pid); run them as root',
      );
    }
    for (const tool of ['unshare', 'nsenter']) {
      if (spawnSync(tool, ['--version']).status !== 0) {
        throw new Error(`the forced-PID-reuse tests need ${tool} (util-linux); install util-linux`);
      }
    }
    const unshare = spawn('unshare', ['--pid', '--fork', '--mount-proc', '/bin/sh', '-c', INIT], {
      stdio: 'ignore',
    });
    const outer = unshare.pid as number;
    const initPid = await pollUntil('the namespace init to start', () => {
      const child = childrenOf(outer)[0];
      if (child === undefined) return undefined;
      // Exec'd the init, and its /proc is the namespace's (pid 1 there is itself).
      const cmd = readOr(`/proc/${child}/cmdline`);
      return cmd.includes('wait; done') && readOr(`/proc/${child}/root/proc/1/cmdline`) === cmd
        ? child
        : undefined;
    });
    return new PidNamespace(unshare, initPid, recordProcess(initPid));
  }

  /** Runs a sh script inside the namespace. @throws Error with its stderr when it exits non-zero. */
  async sh(script: string, ...args: string[]): Promise<string> {
    const child = spawn(
      'nsenter',
      ['-t', String(this.initPid), '-p', '-m', '--', '/bin/sh', '-c', script, 'sh', ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`script in the PID namespace exited ${code}: ${err}`);
    return out.trim();
  }

  /** Makes pid `pid` of the namespace come back as a new session leader that is not the task's; returns its facts. */
  async reusePid(pid: number): Promise<NsProcess> {
    const got = Number(await this.sh(REUSE_SCRIPT, String(pid)));
    if (got !== pid) throw new Error(`expected pid ${pid} back, got ${got}`);
    // The new process has the pid at once, and leads its own session once it has run setsid.
    return pollUntil(`pid ${pid} to come back as a session leader`, () => {
      const facts = this.process(pid);
      return facts && facts.sid === pid && facts.pgid === pid && facts.state !== 'Z' ? facts : undefined;
    });
  }

  /** A process of the namespace by its pid there, or undefined when there is none. */
  process(pid: number): NsProcess | undefined {
    const root = `/proc/${this.initPid}/root/proc/${pid}`;
    const stat = readOr(`${root}/stat`);
    const status = readOr(`${root}/status`);
    if (!stat || !status) return undefined;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const mask = (name: string) =>
      BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1] ?? '0'}`);
    return {
      state: f[0] as string,
      pgid: Number(f[2]),
      sid: Number(f[3]),
      startTicks: Number(f[19]),
      pending: mask('SigPnd') | mask('ShdPnd'),
    };
  }

  /** SIGKILLs the init (if still the one recorded at start), which ends every process in the namespace, and waits for unshare to exit. */
  async destroy(): Promise<void> {
    signalIfOurs(this.init, 'SIGKILL');
    const unshare = this.unshare;
    await pollUntil(
      'the PID namespace to end (unshare to exit)',
      () => unshare.exitCode !== null || unshare.signalCode !== null,
    );
  }
}

/** SIGKILL's bit in a pending-signal mask (signal 9 → bit 8). */
export const SIGKILL_BIT = 1n << 8n;

function childrenOf(ppid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOr(`/proc/${entry}/stat`);
    if (stat && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid)
      found.push(Number(entry));
  }
  return found;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
