/**
 * Parses one `KEY=VALUE` argument of `tend run -e`. The value may be empty and
 * may itself hold `=`; the key may not be empty. A bare `KEY` takes its value
 * from `from` (the caller's environment), docker's rule for `docker run -e
 * VAR` (docs.docker.com, "docker container run", --env): undefined when it is
 * not set there, and then the variable is left out.
 * @returns `[key, value]`, value undefined for a bare KEY that `from` lacks.
 * @throws Error naming the argument when the key is empty.
 */
export function parseEnvPair(
  arg: string,
  from: NodeJS.ProcessEnv = process.env,
): [string, string | undefined] {
  const eq = arg.indexOf('=');
  if (eq === 0 || arg === '') throw new Error(`"${arg}" is not KEY=VALUE or KEY (empty key)`);
  if (eq < 0) return [arg, from[arg]];
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}

/**
 * Turns repeated `-e KEY=VALUE` (or `-e KEY`) arguments into an environment
 * object; a later value for the same key wins, as in `env(1)`.
 * @throws Error from {@link parseEnvPair} for the first malformed argument.
 */
export function parseEnvPairs(
  args: readonly string[],
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const arg of args) {
    const [key, value] = parseEnvPair(arg, from);
    if (value !== undefined) env[key] = value;
  }
  return env;
}
