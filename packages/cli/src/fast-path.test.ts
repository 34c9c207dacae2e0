import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { optionsOf } from './common-options.js';
import { plainPsOptions } from './fast-path.js';
import { buildProgram } from './program.js';

/** The options commander gives the ps action for `args` (the action replaced by one that keeps them). */
async function commanderPsOptions(args: string[]): Promise<unknown> {
  const program = buildProgram();
  const ps = program.commands.find((c) => c.name() === 'ps') as Command;
  let got: unknown;
  ps.action((_o, cmd: Command) => {
    got = optionsOf(cmd);
  });
  await program.parseAsync(args, { from: 'user' });
  return got;
}

describe('plainPsOptions (tend ps without commander)', () => {
  it.each([
    [['ps']],
    [['ls']],
    [['--json', 'ps']],
    [['ps', '--json']],
    [['ps', '-a', '-s']],
    [['ls', '--all', '--stats', '--here']],
    [['ps', '--cwd', '/tmp', '--session', 'agent-1']],
    [['ps', '--cwd=/tmp', '--session=agent-1', '-a']],
    [['ps', '--session=']],
    [['ps', '-a', '-a', '--json']],
  ])('gives what commander gives for %j', async (args) => {
    const expected = await commanderPsOptions(args);
    expect(expected).toBeDefined();
    expect(plainPsOptions(args)).toEqual(expected);
  });

  it.each([
    [[]],
    [['run', 'ps']],
    [['ps', '--help']],
    [['ps', '-h']],
    [['ps', '-as']],
    [['ps', '--cwd']],
    [['ps', '--cwd', '--here']],
    [['ps', '--session', 'a', '--session', 'b']],
    [['ps', 'extra']],
    [['ps', '--', 'x']],
    [['ps', '--bogus']],
    [['--session', 's', 'ps']],
    [['-V']],
  ])('leaves %j to commander', (args) => {
    expect(plainPsOptions(args)).toBeUndefined();
  });
});
