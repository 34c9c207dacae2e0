import { ErrorCode } from '@tend/protocol/wire';
import { ResponseError as VscodeResponseError } from 'vscode-jsonrpc/node.js';
import { describe, expect, it } from 'vitest';
import { toTendError } from './error-mapping.js';
import { ConnectionClosedError, NotRunningError, TaskNotFoundError, TendError } from './errors.js';
import { ResponseError } from './jsonrpc.js';

describe('toTendError', () => {
  it('maps the client’s ResponseError by data.reason, else by code, keeping it as cause', () => {
    const reply = new ResponseError(ErrorCode.TaskNotFound, 'no task "x"', { reason: 'task_not_found' });
    const error = toTendError(reply, 'task/get');
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({ message: 'no task "x"', data: { reason: 'task_not_found' }, cause: reply });
    expect(toTendError(new ResponseError(ErrorCode.NotRunning, 'ended'), 'task/kill')).toBeInstanceOf(
      NotRunningError,
    );
  });

  it('still maps another library’s error replies (vscode-jsonrpc’s ResponseError), and its connection codes', () => {
    const reply = new VscodeResponseError(ErrorCode.TaskNotFound, 'no task "y"', {
      reason: 'task_not_found',
    });
    expect(toTendError(reply, 'task/get')).toBeInstanceOf(TaskNotFoundError);
    const lost = toTendError(new VscodeResponseError(-32097, 'Pending response rejected'), 'task/wait');
    expect(lost).toBeInstanceOf(ConnectionClosedError);
    expect((lost as Error).message).toBe(
      'connection to the tend daemon closed before task/wait was answered',
    );
  });

  it('returns TendErrors and errors without an integer code unchanged', () => {
    const tend = new TendError('x', 1, 'y');
    expect(toTendError(tend, 'm')).toBe(tend);
    const errno = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(toTendError(errno, 'm')).toBe(errno);
    expect(toTendError('text', 'm')).toBe('text');
  });
});
