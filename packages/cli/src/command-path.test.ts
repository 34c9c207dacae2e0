import { describe, expect, it } from 'vitest';
import { commandPathOf } from './command-path.js';
import { buildProgram } from './program.js';

describe('commandPathOf', () => {
  const program = buildProgram();

  it('finds a group given alone, skipping global options and their values', () => {
    expect(commandPathOf(program, [])).toMatchObject({ kind: 'group', command: program });
    expect(commandPathOf(program, ['--session', 'daemon', '--json'])).toMatchObject({
      kind: 'group',
      command: program,
    });
    const daemon = commandPathOf(program, ['daemon']);
    expect(daemon.kind === 'group' && daemon.command.name()).toBe('daemon');
  });

  it('names a word that is no command, also when --help follows it', () => {
    expect(commandPathOf(program, ['stats', '--help'])).toMatchObject({
      kind: 'unknown',
      word: 'stats',
      command: program,
    });
    expect(commandPathOf(program, ['daemon', 'frob'])).toMatchObject({ kind: 'unknown', word: 'frob' });
  });

  it('leaves commands, aliases, help and --help of a group to commander', () => {
    for (const args of [
      ['ps'],
      ['ls', '-a'],
      ['daemon', 'status'],
      ['help', 'run'],
      ['--help'],
      ['daemon', '-h'],
      ['--version'],
    ]) {
      expect(commandPathOf(program, args), args.join(' ')).toEqual({ kind: 'leaf' });
    }
  });
});
