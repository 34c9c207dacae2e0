// `tend run --restart` and its tuning options: the options, their parsers and the task/run `restart` param they
// give (docs/protocol.md, "Restart policies"); the marker `tend ps` shows is in restart-marker.ts.
import { InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_MAX_RESTARTS,
  DEFAULT_RESTART_BACKOFF_MS,
  DEFAULT_RESTART_WINDOW_MS,
  MAX_MAX_RESTARTS,
  MAX_TIMEOUT_MS,
  RESTART_POLICIES,
  type RestartPolicyName,
} from '@tend/protocol/wire';
import type { DurationBounds } from './duration.js';
import { CliError } from './errors.js';
import { formatSpan } from './output.js';
import { unitParser, units } from './units.js';

/** `--restart-window` and `--restart-backoff`: 0 to 30 days (task/run's range). */
const RESTART_SPAN: DurationBounds = { minMs: 0, maxMs: MAX_TIMEOUT_MS };

/** Options of `tend run` for the restart policy, as commander parsed them. */
export interface RestartOptions {
  /** `--restart`: no, on-failure or always. */
  restart?: RestartPolicyName;
  /** `--max-restarts`. */
  maxRestarts?: number;
  /** `--restart-window` in ms. */
  restartWindow?: number;
  /** `--restart-backoff` in ms. */
  restartBackoff?: number;
}

/** The options of `tend run` that set a restart policy, in help order. */
export function restartOptions(): Option[] {
  return [
    new Option(
      '--restart <policy>',
      'restart the command when it ends (same task id, output appended, state restarting meanwhile): on-failure ' +
        '(non-zero exit, a signal tend did not send, or --timeout), always (also after success), or no (default); ' +
        'never after tend stop/kill',
    ).argParser(policyArg),
    new Option(
      '--max-restarts <n>',
      `with --restart: give up (the task ends failed) after this many restarts within --restart-window (default ${DEFAULT_MAX_RESTARTS})`,
    ).argParser(maxRestartsArg),
    new Option(
      '--restart-window <duration>',
      `with --restart: the window in which restarts count towards --max-restarts (default ${formatSpan(DEFAULT_RESTART_WINDOW_MS)})`,
    ).argParser(spanArg),
    new Option(
      '--restart-backoff <duration>',
      `with --restart: delay before the first restart, doubled for each restart still in the window, at most 30s (default ${DEFAULT_RESTART_BACKOFF_MS}ms)`,
    ).argParser(spanArg),
  ];
}

/** `--restart`: one of {@link RESTART_POLICIES}. */
export function policyArg(value: string): RestartPolicyName {
  if ((RESTART_POLICIES as readonly string[]).includes(value)) return value as RestartPolicyName;
  throw new InvalidArgumentError('use on-failure, always or no');
}

/** `--max-restarts`: a whole number from 0 to {@link MAX_MAX_RESTARTS}. */
export function maxRestartsArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > MAX_MAX_RESTARTS)
    throw new InvalidArgumentError(`give a whole number of restarts from 0 to ${MAX_MAX_RESTARTS}`);
  return n;
}

/** `--restart-window`, `--restart-backoff`: a duration within {@link RESTART_SPAN}, in ms. */
const spanArg = unitParser((value: string): number => {
  try {
    return units().checkDuration(value, RESTART_SPAN);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
});

/**
 * task/run's `restart` param from the options (nothing without `--restart`, or with `--restart no`).
 * @throws CliError when a tuning option comes without `--restart on-failure|always`.
 */
export function restartParams(options: RestartOptions): { restart?: RestartParam } {
  const tuned =
    options.maxRestarts !== undefined ||
    options.restartWindow !== undefined ||
    options.restartBackoff !== undefined;
  if (options.restart === undefined || options.restart === 'no') {
    if (tuned)
      throw new CliError(
        '--max-restarts, --restart-window and --restart-backoff tune a restart policy: add --restart on-failure or --restart always',
      );
    return {};
  }
  return { restart: withPolicy(options) };
}

/** task/run's `restart` as `tend run` sends it (backoffMaxMs left to the daemon's default). */
export interface RestartParam {
  policy: RestartPolicyName;
  maxRestarts?: number;
  windowMs?: number;
  backoffMs?: number;
}

function withPolicy(options: RestartOptions): RestartParam {
  return {
    policy: options.restart as RestartPolicyName,
    ...(options.maxRestarts !== undefined ? { maxRestarts: options.maxRestarts } : {}),
    ...(options.restartWindow !== undefined ? { windowMs: options.restartWindow } : {}),
    ...(options.restartBackoff !== undefined ? { backoffMs: options.restartBackoff } : {}),
  };
}
