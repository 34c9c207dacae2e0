import { describe, expect, it } from 'vitest';
import { joinCommand } from './command-line.js';

describe('joinCommand', () => {
  it('uses a single word as a shell command line as-is', () => {
    expect(joinCommand(['echo hi && sleep 1'])).toBe('echo hi && sleep 1');
  });

  it('quotes several words so the shell sees each as one argument', () => {
    expect(joinCommand(['printf', '%s\\n', 'a b', "it's"])).toBe(`printf '%s\\n' 'a b' "it's"`);
  });

  it('keeps shell syntax in separate words literal, as exec would', () => {
    expect(joinCommand(['echo', '$HOME', 'a;b', '*'])).toBe('echo \\$HOME a\\;b \\*');
  });

  it('keeps an empty word as an empty argument', () => {
    expect(joinCommand(['test', '-n', ''])).toBe("test -n ''");
  });

  it('rejects an empty or blank command with a hint', () => {
    expect(() => joinCommand([])).toThrow(/no command given/);
    expect(() => joinCommand(['  '])).toThrow(/no command given/);
  });
});
