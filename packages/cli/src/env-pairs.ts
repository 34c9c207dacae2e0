/**
 * Parses one `KEY=VALUE` argument of `tend run -e`. The value may be empty and
 * may itself hold `=`; the key may not be empty.
 * @returns `[key, value]`.
 * @throws Error naming the argument when it has no `=` or an empty key.
 */
export function parseEnvPair(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq < 0) throw new Error(`"${arg}" is not KEY=VALUE (no "=")`);
  if (eq === 0) throw new Error(`"${arg}" is not KEY=VALUE (empty key)`);
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}

/**
 * Turns repeated `-e KEY=VALUE` arguments into an environment object; a later
 * value for the same key wins, as in `env(1)`.
 * @throws Error from {@link parseEnvPair} for the first malformed argument.
 */
export function parseEnvPairs(args: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const arg of args) {
    const [key, value] = parseEnvPair(arg);
    env[key] = value;
  }
  return env;
}
