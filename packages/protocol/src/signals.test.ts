import { describe, expect, it } from 'vitest';
import { SIGNALS, SIGNAL_NAMES, signalNameOf, toSignalName } from './signals.js';

describe('toSignalName', () => {
  it('adds the SIG prefix to a bare name', () => {
    expect(toSignalName('TERM')).toBe('SIGTERM');
  });

  it('ignores case', () => {
    expect(toSignalName('sigkill')).toBe('SIGKILL');
    expect(toSignalName('Int')).toBe('SIGINT');
  });

  it('reads a number given as a string', () => {
    expect(toSignalName('9')).toBe('SIGKILL');
  });

  it('reads a number', () => {
    expect(toSignalName(15)).toBe('SIGTERM');
  });

  it('keeps a full name and trims surrounding spaces', () => {
    expect(toSignalName('SIGHUP')).toBe('SIGHUP');
    expect(toSignalName('  usr1 ')).toBe('SIGUSR1');
  });

  it.each<[string | number]>([['NOPE'], ['SIGNOPE'], [''], ['SIG'], [0], [32], [99], ['-9'], [9.5]])(
    'returns undefined for %j, which names no signal',
    (input) => {
      expect(toSignalName(input)).toBeUndefined();
    },
  );
});

describe('signal table', () => {
  it('maps numbers back to names', () => {
    expect(signalNameOf(2)).toBe('SIGINT');
    expect(signalNameOf(64)).toBeUndefined();
  });

  it('lists the 31 standard Linux signals in number order', () => {
    expect(SIGNAL_NAMES).toHaveLength(31);
    expect(SIGNAL_NAMES.map((name) => SIGNALS[name])).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
  });
});
