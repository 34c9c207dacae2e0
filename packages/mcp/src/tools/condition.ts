import { type ResultOf, type TaskWait, UntilFields } from '@tend/protocol';
import { ToolInputError } from './errors.js';

/**
 * The readiness conditions a model can wait for; exactly one is given. The rules are task/wait's `until`
 * (UntilFields: pattern size, port range, URL form and length), described for a model.
 */
export const conditionShape = {
  output: UntilFields().shape.output.describe(
    'regular expression (RE2 syntax: no backreferences or lookaround); holds once a line of the output matches (earlier lines count too), e.g. "ready|listening on"',
  ),
  port: UntilFields().shape.port.describe("holds once the task's processes listen on this TCP port"),
  http: UntilFields().shape.http.describe(
    'holds once this URL answers an HTTP request (any status), e.g. "http://localhost:3000/"',
  ),
};

/** What the tools wait for, in the protocol's terms (`task/wait` `until`). */
export type Until = { output: string } | { port: number } | { http: string };

/**
 * The one condition given in `input` (already checked by {@link conditionShape}: an `output` RE2 cannot run
 * is refused there), or undefined when none is.
 * @throws ToolInputError when several are given.
 */
export function untilOf(input: {
  output?: string | undefined;
  port?: number | undefined;
  http?: string | undefined;
}): Until | undefined {
  const given = (['output', 'port', 'http'] as const).filter((key) => input[key] !== undefined);
  if (given.length > 1)
    throw new ToolInputError(`give one condition to wait for, not ${given.join(' and ')}`);
  if (input.output !== undefined) return { output: input.output };
  if (input.port !== undefined) return { port: input.port };
  if (input.http !== undefined) return { http: input.http };
  return undefined;
}

/** The condition in words: `a line matching /ready/`, `port 3000 open`, `http://localhost:3000/ answering`. */
export function describeUntil(until: Until): string {
  if ('output' in until) return `a line matching /${until.output}/`;
  if ('port' in until) return `port ${until.port} listening`;
  return `${until.http} answering`;
}

/** What held, from a task/wait result whose outcome was a condition. */
export function describeMet(
  result: Pick<ResultOf<typeof TaskWait>, 'outcome' | 'match'>,
  until: Until,
): string {
  if (result.outcome === 'output')
    return `a line matched /${(until as { output: string }).output}/: ${JSON.stringify(result.match ?? '')}`;
  if (result.outcome === 'port') return `the task listens on port ${(until as { port: number }).port}`;
  return `${(until as { http: string }).http} answered`;
}
