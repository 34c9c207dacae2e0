import { CliError } from './errors.js';

/**
 * Refuses a pattern option the daemon would refuse (RE2 syntax: no
 * backreferences or lookaround), naming the option, the pattern and why.
 * The RE2 engine is loaded only here, when a pattern is given, so that other
 * commands do not pay its start-up (~35 ms measured with node 20).
 * @param option the option as the user typed it, e.g. `--grep`.
 * @throws CliError when the pattern is refused.
 */
export async function checkPattern(option: string, pattern: string): Promise<void> {
  const { patternProblem } = await import('@tend/protocol/pattern');
  const problem = patternProblem(pattern);
  if (problem !== undefined)
    throw new CliError(`${option}: pattern ${JSON.stringify(pattern)} is refused: ${problem}`);
}
