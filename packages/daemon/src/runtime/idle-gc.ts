import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Tuning of {@link IdleGc}; every field has a default ({@link IDLE_GC_DEFAULTS}).
 * Times in ms, sizes in bytes.
 */
export interface IdleGcOptions {
  /** Quiet time (no task start/end, no request) after which the daemon counts as idle, in ms. */
  idleMs: number;
  /** Task ends since the last collection that make an idle period worth one full GC. */
  minEnds: number;
  /** Growth of V8's committed heap (total_heap_size) since the last collection that makes it worth one, in bytes. */
  minHeapGrowthBytes: number;
}

/**
 * Defaults of {@link IdleGcOptions}: idle after 5 s of quiet; collect once 200 tasks ended or the committed
 * heap grew by 8 MiB since the last collection. Measured (issue 13, bundled daemon on a 2-core machine,
 * bench/tools/rss-tasks.mjs): see {@link IdleGc}.
 */
export const IDLE_GC_DEFAULTS: Readonly<IdleGcOptions> = {
  idleMs: 5_000,
  minEnds: 200,
  minHeapGrowthBytes: 8 * 2 ** 20,
};

/** What {@link IdleGc} reports after a collection (for the daemon's log). */
export interface IdleGcRun {
  /** Task ends counted since the previous collection. */
  ends: number;
  /** Committed V8 heap before / after the collection, in bytes. */
  heapBefore: number;
  heapAfter: number;
  /** Wall time of the collection, in ms. */
  ms: number;
}

/** The clock, timers, heap probe and collector {@link IdleGc} uses; injected by tests (no real sleeps). */
export interface IdleGcDeps {
  /** Monotonic-enough time in ms (default: performance.now). */
  now(): number;
  /** Schedules `fn` once after `ms` ms; the handle must not keep the process alive (default: an unref'd setTimeout). */
  setTimer(fn: () => void, ms: number): unknown;
  /** Cancels a handle of `setTimer`. */
  clearTimer(handle: unknown): void;
  /** V8's committed heap in bytes (default: v8.getHeapStatistics().total_heap_size). */
  heapBytes(): number;
  /**
   * Runs one full, synchronous, compacting GC (default: {@link compactingGc} of {@link obtainGc}, looked up
   * at the first collection).
   */
  gc(): void;
  /** Told after each collection. */
  onRun?(run: IdleGcRun): void;
}

/**
 * One full GC when the daemon goes idle after a burst of work, so that V8 compacts its old generation
 * and gives the freed pages back to the OS. Without it V8 keeps the heap a burst grew: its memory reducer
 * did not shrink it within 45 s of quiet (issue 13, bench/tools/rss-tasks.mjs; the live heap stays at
 * ~14 MiB, bench/tools/heap-check.mjs, so the growth is garbage and free space, not a leak).
 *
 * Cost: every request and task change calls {@link activity} (a clock read; a timer is armed only when
 * none is). While a timer is armed it fires at most once per `idleMs` and re-arms for the rest of the quiet
 * time, so a busy daemon pays one timer per `idleMs`, never a GC. Once idle, the collection runs at most
 * once, only when the work since the last one reached `minEnds` task ends or `minHeapGrowthBytes` of
 * heap growth; then nothing is armed until the next activity (an idle daemon wakes for nothing).
 *
 * Measured (issue 13, bundled daemon, 2-core machine shared with other runs; idle RSS 58.4 MiB before the
 * burst): ~3,500 short tasks from 4 clients, RSS 40 s after the last end 80.2 MiB before → 68.6 MiB with
 * this (+21.8 → +10.2 MiB over idle); 2,000 tasks, RSS 12 s after the last end 88 → 67 MiB. The collection
 * took 26–95 ms of wall time (a synchronous, main-thread GC of a ~25–40 MiB committed heap), once.
 */
export class IdleGc {
  private readonly options: IdleGcOptions;
  private readonly deps: IdleGcDeps;
  private lastActivity: number;
  private timer: unknown;
  private ends = 0;
  private heapBaseline: number;
  private stopped = false;

  constructor(options: Partial<IdleGcOptions> = {}, deps: Partial<IdleGcDeps> = {}) {
    this.options = { ...IDLE_GC_DEFAULTS, ...options };
    let gc: (() => void) | undefined;
    this.deps = {
      now: () => performance.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
      clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
      heapBytes: () => getHeapStatistics().total_heap_size,
      gc: () => {
        gc ??= obtainGc();
        compactingGc(gc);
      },
      ...deps,
    };
    this.lastActivity = this.deps.now();
    this.heapBaseline = this.deps.heapBytes();
  }

  /** Task ends counted since the last collection. */
  get pendingEnds(): number {
    return this.ends;
  }

  /** Whether a timer is armed (the daemon has been active since it last went idle). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Something happened (a request, a task change): the daemon is busy for another `idleMs`. */
  activity(): void {
    if (this.stopped) return;
    this.lastActivity = this.deps.now();
    if (this.timer === undefined) this.arm(this.options.idleMs);
  }

  /** A task ended: counts towards `minEnds`, and is {@link activity}. */
  taskEnded(): void {
    this.ends++;
    this.activity();
  }

  /** Cancels the timer; later calls do nothing. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clearTimer(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.deps.setTimer(() => this.fire(), ms);
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const quiet = this.deps.now() - this.lastActivity;
    if (quiet < this.options.idleMs) {
      this.arm(this.options.idleMs - quiet);
      return;
    }
    const heapBefore = this.deps.heapBytes();
    if (this.ends < this.options.minEnds && heapBefore - this.heapBaseline < this.options.minHeapGrowthBytes)
      return;
    const started = this.deps.now();
    this.deps.gc();
    const ms = this.deps.now() - started;
    const heapAfter = this.deps.heapBytes();
    const ends = this.ends;
    this.ends = 0;
    this.heapBaseline = heapAfter;
    this.deps.onRun?.({ ends, heapBefore, heapAfter, ms });
  }
}

/**
 * Runs `gc` with V8's --compact-on-every-full-gc set for this one collection (cleared again after). A plain
 * full GC frees the garbage but leaves the old generation fragmented, so V8 keeps its pages: measured after
 * 2,000 short tasks (issue 13), committed heap 40.8 → 28.7 MiB with 8.1 MiB used in a 27.7 MiB old space,
 * daemon RSS −1.8 MiB; compacting, 35.3 → 13.3 MiB (old space 8.7 MiB, 8.0 used), RSS 88.1 → 67.0 MiB
 * (idle 58.5 MiB before the burst). Wall time of either ~25–95 ms on a busy 2-core machine.
 */
export function compactingGc(gc: () => void): void {
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/**
 * V8's full-GC function without `--expose-gc` on the command line: the flag is set at run time, a fresh
 * context (which gets `gc` at creation) hands the function out, and the flag is cleared again, so the
 * daemon's own global gets no `gc` and every way of starting the daemon (CLI, shebang, systemd unit,
 * bench, tests) behaves the same. `globalThis.gc` is used when the daemon was started with --expose-gc.
 * Measured equivalent to `node --expose-gc` (issue 13, 2,000 short tasks, RSS 12 s after the last end):
 * run-time gc 67.0 MiB, heap 35.3 → 13.3 MiB in 74 ms; --expose-gc 66.7 MiB, heap 24.8 → 13.0 MiB in 52 ms.
 */
export function obtainGc(): () => void {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
