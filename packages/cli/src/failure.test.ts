import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { jsonFailure, messageOf, wantsJson } from './failure.js';

/** An errno error as node:fs throws it. */
function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: permission denied, ${syscall} '${path}'`), {
    code,
    syscall,
    path,
  });
}

describe('messageOf', () => {
  it('adds a TEND_HOME hint to a permission error on a path', () => {
    expect(messageOf(errnoError('EACCES', 'mkdir', '/srv/state/tend'))).toBe(
      "EACCES: permission denied, mkdir '/srv/state/tend': tend cannot create or write /srv/state/tend; set TEND_HOME " +
        "to a directory you own (e.g. export TEND_HOME=$HOME/.tend), or fix that directory's owner and mode",
    );
    expect(messageOf(errnoError('EROFS', 'open', '/ro/x'))).toContain('set TEND_HOME');
  });

  it('adds the hint to an error caused by a refused socket connect, naming the socket', () => {
    const cause = Object.assign(new Error('connect EACCES /run/user/1000/tend/tend.sock'), {
      code: 'EACCES',
      address: '/run/user/1000/tend/tend.sock',
    });
    const unreachable = Object.assign(new Error('cannot connect to the tend daemon socket'), {
      reason: 'daemon_unreachable',
      code: -32096,
      cause,
    });
    expect(messageOf(unreachable)).toBe(
      'cannot connect to the tend daemon socket: tend cannot create or write /run/user/1000/tend/tend.sock; set TEND_HOME ' +
        "to a directory you own (e.g. export TEND_HOME=$HOME/.tend), or fix that directory's owner and mode",
    );
  });

  it('leaves other messages as they are, without commander\'s "error: " prefix', () => {
    expect(messageOf(new Error('no task has id "x"'))).toBe('no task has id "x"');
    expect(messageOf(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"))).toBe(
      "unknown option '--x'",
    );
  });
});

describe('jsonFailure', () => {
  it("keeps a daemon error's reason, code and data facts", () => {
    const error = Object.assign(new Error('"q7" matches several tasks'), {
      reason: 'ambiguous_id',
      code: 2002,
      data: { reason: 'ambiguous_id', candidates: ['q7a', 'q7b'] },
    });
    expect(jsonFailure(error)).toEqual({
      error: {
        reason: 'ambiguous_id',
        message: '"q7" matches several tasks',
        exitCode: 125,
        code: 2002,
        candidates: ['q7a', 'q7b'],
      },
    });
  });

  it('gives usage errors the reason usage, CLI errors their own reason and exit code, errno errors system_error', () => {
    expect(
      jsonFailure(new CommanderError(1, 'commander.missingArgument', "error: missing required argument 'id'"))
        .error,
    ).toEqual({
      reason: 'usage',
      message: "missing required argument 'id'",
      exitCode: 125,
      code: 'commander.missingArgument',
    });
    expect(
      jsonFailure(new CliError('task x was lost', { reason: 'task_lost', exitCode: 125 })).error,
    ).toEqual({
      reason: 'task_lost',
      message: 'task x was lost',
      exitCode: 125,
    });
    expect(jsonFailure(errnoError('EACCES', 'mkdir', '/srv/t')).error).toMatchObject({
      reason: 'system_error',
      errno: 'EACCES',
      path: '/srv/t',
    });
    expect(jsonFailure('boom').error).toEqual({ reason: 'internal_error', message: 'boom', exitCode: 125 });
  });
});

describe('wantsJson', () => {
  it('sees --json before the command line of a task, not in it', () => {
    expect(wantsJson(['--json', 'ps'])).toBe(true);
    expect(wantsJson(['logs', 'x', '--json'])).toBe(true);
    expect(wantsJson(['run', '--', 'jq', '--json'])).toBe(false);
    expect(wantsJson(['ps'])).toBe(false);
  });
});
