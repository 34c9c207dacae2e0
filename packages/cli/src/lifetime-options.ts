// `tend run --lifetime` and `--ttl`: the options, their parsers and the task/run params they give
// (docs/protocol.md, "Lifetime policies"); the marker `tend ps` shows for them is in lifetime-marker.ts.
import { InvalidArgumentError, Option } from 'commander';
import { MAX_TIMEOUT_MS, TASK_LIFETIMES, type TaskLifetime } from '@tend/protocol/wire';
import type { DurationBounds } from './duration.js';
import { CliError } from './errors.js';
import { unitParser, units } from './units.js';

// The marker ps shows lives apart (lifetime-marker.ts), so that `tend ps` loads no commander.
export { lifetimeMarker } from './lifetime-marker.js';

/** `run --ttl`: more than 0 and at most 30 days (task/run ttlMs's range). */
export const TASK_TTL: DurationBounds = {
  minMs: 1,
  maxMs: MAX_TIMEOUT_MS,
  belowHint: 'leave --ttl out for no time limit',
};

/** Options of `tend run` for the lifetime policies, as commander parsed them. */
export interface LifetimeOptions {
  /** `--lifetime`: persistent (default) or session. */
  lifetime?: TaskLifetime;
  /** `--ttl` in ms. */
  ttl?: number;
  /** The session of the run (`--session`, else $TEND_SESSION). */
  session?: string;
}

/** The `--lifetime <policy>` option of `tend run`. */
export function lifetimeOption(): Option {
  return new Option(
    '--lifetime <policy>',
    'persistent (default): runs until it ends or is stopped; session: also stopped (SIGTERM, then SIGKILL) once no ' +
      'client of its session (--session / $TEND_SESSION) has been connected for 60s (config sessionGraceMs)',
  ).argParser(lifetimeArg);
}

/** The `--ttl <duration>` option of `tend run`. */
export function ttlOption(): Option {
  return new Option(
    '--ttl <duration>',
    'time to live: stop the task (SIGTERM, then SIGKILL) this long after its start, across daemon restarts; it ends ' +
      'killed (--timeout: timed_out, a failure); 30m, 2h, up to 30d; a bare number is seconds',
  ).argParser(ttlArg);
}

/** `--lifetime`: one of {@link TASK_LIFETIMES}. */
export function lifetimeArg(value: string): TaskLifetime {
  if ((TASK_LIFETIMES as readonly string[]).includes(value)) return value as TaskLifetime;
  throw new InvalidArgumentError(
    'use persistent (runs until it ends or is stopped) or session (stopped once its session has no client)',
  );
}

/** `--ttl`: a duration within {@link TASK_TTL}, in ms. */
export const ttlArg = unitParser((value: string): number => {
  try {
    return units().checkDuration(value, TASK_TTL);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
});

/**
 * The task/run params of `--lifetime` and `--ttl` (nothing for the defaults).
 * @param session the session the CLI connects with (`--session`, else $TEND_SESSION).
 * @throws CliError for `--lifetime session` without a session, saying how to give one.
 */
export function lifetimeParams(options: LifetimeOptions, session: string | undefined) {
  if (options.lifetime === 'session' && !session)
    throw new CliError(
      '--lifetime session ends the task with its session, and none is given: add --session <id> or set ' +
        'TEND_SESSION (and keep a client of that session connected, e.g. tend mcp or tend logs -f)',
    );
  return {
    ...(options.lifetime === 'session' ? { lifetime: 'session' as const } : {}),
    ...(options.ttl !== undefined ? { ttlMs: options.ttl } : {}),
  };
}
