// Commander argument parsers of the `tend` options: each turns a bad value into
// commander's InvalidArgumentError, so the message names the option.
import { InvalidArgumentError } from 'commander';
import {
  MAX_KILL_GRACE_MS,
  MAX_PIDS_MAX,
  MAX_TIMEOUT_MS,
  MIN_MEMORY_MAX_BYTES,
  TASK_NAME_PATTERN,
} from '@tend/protocol/wire';
import type { DurationBounds } from './duration.js';
import { parseEnvPair } from './env-pairs.js';
import { unitParser, units } from './units.js';

/** `run --timeout`: a task deadline, more than 0 and at most 30 days (task/run's range). */
export const TASK_TIMEOUT: DurationBounds = {
  minMs: 1,
  maxMs: MAX_TIMEOUT_MS,
  belowHint: 'leave --timeout out for no deadline',
};
/** `wait --timeout`: 0 only looks; at most 30 days. */
export const WAIT_TIMEOUT: DurationBounds = { minMs: 0, maxMs: MAX_TIMEOUT_MS };
/** `prune --older-than`: 0 (everything ended) and up; no upper bound beyond what a number holds. */
export const PRUNE_AGE: DurationBounds = { minMs: 0, maxMs: Number.MAX_SAFE_INTEGER };
/** `stop -t`: 0 (SIGKILL at once) to 5 minutes (task/kill's range). */
export const STOP_GRACE: DurationBounds = { minMs: 0, maxMs: MAX_KILL_GRACE_MS };

/** A commander argument parser for a duration option within `bounds` (ms). */
export function durationArg(bounds: DurationBounds): (value: string) => number {
  return unitParser((value: string) => {
    try {
      return units().checkDuration(value, bounds);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  });
}

/** `--name`: checked here so that the message speaks of the option, not of task/run's params. */
export function nameArg(value: string): string {
  if (TASK_NAME_PATTERN.test(value)) return value;
  throw new InvalidArgumentError(
    'a task name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. web or api-2)',
  );
}

/** `run --memory-max <size>`: bytes (see parseByteSize), at least 1 MiB (task/run memoryMaxBytes). */
export const memoryMaxArg = unitParser((value: string): number => {
  let size: number;
  try {
    size = units().parseByteSize(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  if (size < MIN_MEMORY_MAX_BYTES)
    throw new InvalidArgumentError(`"${value}" is ${size} bytes; the least is 1M (1 MiB)`);
  return size;
});

/** `run --pids-max <n>`: a whole number of processes and threads, 1 to 4194304 (task/run pidsMax). */
export function pidsMaxArg(value: string): number {
  const count = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(count >= 1 && count <= MAX_PIDS_MAX))
    throw new InvalidArgumentError(
      `"${value}" is not a number of processes from 1 to ${MAX_PIDS_MAX}, e.g. 512`,
    );
  return count;
}

/** A count option: a whole number, 0 or more. */
export function countArg(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number (0 or more)');
  return Number(value);
}

/** A repeatable option: every value, in order. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `-e KEY=VALUE` (repeatable): the pairs so far; a bare KEY takes its value from this shell. */
export function collectEnv(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  try {
    const [key, val] = parseEnvPair(value);
    return val === undefined ? { ...previous } : { ...previous, [key]: val };
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
