import { describe, expect, it } from 'vitest';
import { describeUntil, untilOf } from './until.js';

describe('untilOf', () => {
  it('returns undefined when no --until option is given, so that wait waits for the end', () => {
    expect(untilOf({})).toBeUndefined();
  });

  it('maps each option to the one key of task/wait until', () => {
    expect(untilOf({ untilOutput: 'listening on \\d+' })).toEqual({ output: 'listening on \\d+' });
    expect(untilOf({ untilPort: 8080 })).toEqual({ port: 8080 });
    expect(untilOf({ untilHttp: 'http://127.0.0.1:8080/health' })).toEqual({ http: 'http://127.0.0.1:8080/health' });
    expect(untilOf({ untilHttp: 'https://localhost' })).toEqual({ http: 'https://localhost' });
  });

  it('refuses two conditions at once, naming the options', () => {
    expect(() => untilOf({ untilOutput: 'x', untilPort: 1 })).toThrow(/only one of --until-output, --until-port and --until-http/);
  });

  it('refuses a regular expression that does not compile, quoting the option', () => {
    expect(() => untilOf({ untilOutput: '(' })).toThrow(/^--until-output: .*regular expression/);
    expect(() => untilOf({ untilOutput: '' })).toThrow(/--until-output needs a regular expression/);
  });

  it('refuses ports outside 1 to 65535 and URLs that are not http or https', () => {
    expect(() => untilOf({ untilPort: 0 })).toThrow(/--until-port: 0 is not a TCP port/);
    expect(() => untilOf({ untilPort: 70000 })).toThrow(/--until-port: 70000/);
    expect(() => untilOf({ untilHttp: 'localhost:80' })).toThrow(/--until-http: "localhost:80" is not an http/);
    expect(() => untilOf({ untilHttp: 'ftp://host/' })).toThrow(/--until-http/);
  });

  it('describes each condition for messages', () => {
    expect(describeUntil({ output: 'ready' })).toBe('output matching /ready/');
    expect(describeUntil({ port: 3000 })).toBe('a listener on port 3000');
    expect(describeUntil({ http: 'http://x/' })).toBe('an answer from http://x/');
  });
});
