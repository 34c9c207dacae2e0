import { AmbiguousIdError, DaemonUnreachableError, NameInUseError, TendError } from '@tend/client';
import { describe, expect, it } from 'vitest';
import { toolError, ToolInputError } from './errors.js';

describe('errors answered to the model', () => {
  it('keep the message, list the candidates of an ambiguous id and say what to do', () => {
    const answer = toolError(
      new AmbiguousIdError('id prefix "k3" matches 2 tasks', {
        data: { reason: 'ambiguous_id', candidates: ['k3aa', 'k3bb'] },
      }),
    );
    expect(answer).toEqual({
      isError: true,
      text: 'id prefix "k3" matches 2 tasks\nMatching ids: k3aa, k3bb.\nGive more characters of the id.',
    });
    expect(toolError(new NameInUseError('a live task is named "web"')).text).toMatch(
      /pick another name, or stop_task it first/,
    );
    expect(
      toolError(
        new DaemonUnreachableError('no daemon answered on /run/tend.sock', { socketPath: '/run/tend.sock' }),
      ).text,
    ).toMatch(/could not be reached or started/);
  });

  it('explain an unknown method as a daemon older than the server', () => {
    const answer = toolError(new TendError('Unhandled method task/completions', -32601, 'method_not_found'));
    expect(answer.text).toBe(
      'Unhandled method task/completions\nThe running tend daemon is older than this MCP server: run `tend daemon restart` (tasks keep running).',
    );
  });

  it('pass input mistakes and unknown errors through with their message only', () => {
    expect(toolError(new ToolInputError('give one condition'))).toEqual({
      isError: true,
      text: 'give one condition',
    });
    expect(toolError('boom')).toEqual({ isError: true, text: 'boom' });
  });
});
