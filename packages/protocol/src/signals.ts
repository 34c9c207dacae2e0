/**
 * Signal names accepted by `task/kill` and reported in `task.signal`, with their
 * Linux numbers (signal(7)). Kept as data here because the protocol package must
 * not touch node:os; the daemon checks them against os.constants.signals.
 */
export const SIGNALS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
} as const;

/** A signal name such as `SIGTERM`. */
export type SignalName = keyof typeof SIGNALS;

/** Signal names, in number order. */
export const SIGNAL_NAMES = Object.keys(SIGNALS) as SignalName[];

/**
 * Normalizes user input (`TERM`, `sigterm`, `15`, `SIGTERM`) to a signal name.
 * @returns the name, or undefined when the input names no known signal.
 */
export function toSignalName(input: string | number): SignalName | undefined {
  if (typeof input === 'number' || /^\d+$/.test(input)) {
    const n = Number(input);
    return SIGNAL_NAMES.find((name) => SIGNALS[name] === n);
  }
  const upper = input.trim().toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as SignalName;
  return name in SIGNALS ? name : undefined;
}

/** Name of the signal with Linux number `n`, or undefined. */
export function signalNameOf(n: number): SignalName | undefined {
  return SIGNAL_NAMES.find((name) => SIGNALS[name] === n);
}
