import { describe, expect, it } from 'vitest';
import { describeUntil, untilOf } from './until.js';

describe('untilOf', () => {
  it('returns undefined when no --until option is given, so that wait waits for the end', async () => {
    expect(await untilOf({})).toBeUndefined();
  });

  it('maps each option to the one key of task/wait until', async () => {
    expect(await untilOf({ untilOutput: 'listening on \\d+' })).toEqual({ output: 'listening on \\d+' });
    expect(await untilOf({ untilPort: 8080 })).toEqual({ port: 8080 });
    expect(await untilOf({ untilHttp: 'http://127.0.0.1:8080/health' })).toEqual({
      http: 'http://127.0.0.1:8080/health',
    });
    expect(await untilOf({ untilHttp: 'https://localhost' })).toEqual({ http: 'https://localhost' });
  });

  it('refuses two conditions at once, naming the options', async () => {
    await expect(untilOf({ untilOutput: 'x', untilPort: 1 })).rejects.toThrow(
      /only one of --until-output, --until-port and --until-http/,
    );
  });

  it('refuses a regular expression that is not RE2 syntax, quoting the option, the pattern and why', async () => {
    await expect(untilOf({ untilOutput: '(' })).rejects.toThrow(
      /^--until-output: pattern "\(" is refused: missing closing \)/,
    );
    await expect(untilOf({ untilOutput: 'ready(?! not)' })).rejects.toThrow(
      /^--until-output: pattern .* is refused: lookahead and lookbehind/,
    );
    await expect(untilOf({ untilOutput: '' })).rejects.toThrow(/--until-output needs a regular expression/);
  });

  it('refuses ports outside 1 to 65535 and URLs that are not http or https', async () => {
    await expect(untilOf({ untilPort: 0 })).rejects.toThrow(/--until-port: 0 is not a TCP port/);
    await expect(untilOf({ untilPort: 70000 })).rejects.toThrow(/--until-port: 70000/);
    await expect(untilOf({ untilHttp: 'localhost:80' })).rejects.toThrow(
      /--until-http: "localhost:80" is not an http/,
    );
    await expect(untilOf({ untilHttp: 'ftp://host/' })).rejects.toThrow(/--until-http/);
  });

  it('describes each condition for messages', () => {
    expect(describeUntil({ output: 'ready' })).toBe('output matching /ready/');
    expect(describeUntil({ port: 3000 })).toBe('a listener on port 3000');
    expect(describeUntil({ http: 'http://x/' })).toBe('an answer from http://x/');
  });
});
