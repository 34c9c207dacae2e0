import { CliError } from './errors.js';
import { checkPattern } from './pattern-check.js';

/** What `tend wait --until-…` waits for: task/wait's `until`, one key. */
export type Until = { output: string } | { port: number } | { http: string };

/** The `--until-…` options of `tend wait`, as commander parsed them. */
export interface UntilOptions {
  /** A regular expression (RE2 syntax) a line of output must match. */
  untilOutput?: string;
  /** A TCP port the task's process group must listen on (already a whole number). */
  untilPort?: number;
  /** An http(s) URL that must answer. */
  untilHttp?: string;
}

/**
 * task/wait's `until` from the `--until-output`, `--until-port` and
 * `--until-http` options, checked here so that mistakes read as the option
 * the user typed.
 * @returns undefined when none is given (wait for the end).
 * @throws CliError when more than one is given, the regular expression is
 *   not RE2 syntax (backreferences, lookaround), the port is not 1–65535 or the URL is not http(s).
 */
export async function untilOf(options: UntilOptions): Promise<Until | undefined> {
  const given = [options.untilOutput, options.untilPort, options.untilHttp].filter(
    (v) => v !== undefined,
  ).length;
  if (given > 1) throw new CliError('give only one of --until-output, --until-port and --until-http');
  if (options.untilOutput !== undefined) {
    if (options.untilOutput === '')
      throw new CliError('--until-output needs a regular expression, not an empty string');
    await checkPattern('--until-output', options.untilOutput);
    return { output: options.untilOutput };
  }
  if (options.untilPort !== undefined) {
    const port = options.untilPort;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new CliError(`--until-port: ${port} is not a TCP port (1 to 65535)`);
    return { port };
  }
  if (options.untilHttp !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.untilHttp);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new CliError(`--until-http: "${options.untilHttp}" is not an http:// or https:// URL`);
    }
    return { http: options.untilHttp };
  }
  return undefined;
}

/** The condition in words, for messages: `output matching /ready/`, `port 8080`, `http://…`. */
export function describeUntil(until: Until): string {
  if ('output' in until) return `output matching /${until.output}/`;
  if ('port' in until) return `a listener on port ${until.port}`;
  return `an answer from ${until.http}`;
}
