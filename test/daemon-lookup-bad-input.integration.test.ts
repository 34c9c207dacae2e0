import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, errorOf, harness, useDaemon } from './daemon-setup.js';

useDaemon();

describe('tasks are found by id, prefix or name', () => {
  it('resolves a unique prefix and a name, and refuses a second live task with the same name', async () => {
    const task = await client.request('task/run', { command: 'sleep 30', cwd: harness.home, name: 'web' });
    expect((await client.request('task/get', { id: task.id.slice(0, 6) })).id).toBe(task.id);
    expect((await client.request('task/get', { id: 'web' })).id).toBe(task.id);
    const duplicate = await errorOf(
      client.request('task/run', { command: 'true', cwd: harness.home, name: 'web' }),
    );
    expect(duplicate).toMatchObject({ code: 2005, data: { reason: 'name_in_use' } });
    await client.request('task/kill', { id: 'web', signal: 'SIGKILL' });
    await client.request('task/wait', { id: 'web' });
    const again = await client.request('task/run', { command: 'true', cwd: harness.home, name: 'web' });
    expect(again.id).not.toBe(task.id);
  });

  it('answers an ambiguous prefix with the candidates and an unknown id with task_not_found', async () => {
    const ids: string[] = [];
    let shared: string | undefined;
    while (!shared) {
      ids.push((await client.request('task/run', { command: 'true', cwd: harness.home })).id);
      shared = ids.map((id) => id[0]).find((c, i, all) => all.indexOf(c) !== i);
    }
    const ambiguous = await errorOf(client.request('task/get', { id: shared }));
    expect(ambiguous).toMatchObject({ code: 2002, data: { reason: 'ambiguous_id' } });
    expect(ambiguous.data.candidates.length).toBeGreaterThanOrEqual(2);
    const missing = await errorOf(client.request('task/get', { id: 'zz-nothing' }));
    expect(missing).toMatchObject({ code: 2001, data: { reason: 'task_not_found' } });
    expect(missing.message).toContain('zz-nothing');
  });
});

describe('bad input', () => {
  it('gets clear errors and leaves no row or file behind', async () => {
    const before = (await client.request('task/list', {})).tasks.length;
    const badCwd = await errorOf(
      client.request('task/run', { command: 'true', cwd: join(harness.home, 'missing') }),
    );
    expect(badCwd).toMatchObject({ code: 2006, data: { reason: 'invalid_cwd' } });
    expect(badCwd.message).toContain('missing');
    const empty = await errorOf(client.request('task/run', { command: '  ', cwd: harness.home }));
    expect(empty.code).toBe(-32602);
    expect(empty.message).toContain('command');
    const negative = await errorOf(
      client.request('task/run', { command: 'true', cwd: harness.home, timeoutMs: -5 }),
    );
    expect(negative.message).toMatch(/timeoutMs.*-5/);
    const envValue = await errorOf(
      client.request('task/run', { command: 'true', cwd: harness.home, env: { N: 1 } }),
    );
    expect(envValue.message).toMatch(/env\.N.*string/);
    const unknownMethod = await errorOf(client.request('task/frobnicate', {}));
    expect(unknownMethod.code).toBe(-32601);
    expect((await client.request('task/list', {})).tasks.length).toBe(before);
    expect(readdirSync(join(harness.home, 'state', 'tasks'))).toHaveLength(before);
  });

  it('refuses requests before daemon/initialize', async () => {
    const socket = connect(harness.socketPath);
    const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = await import(
      'vscode-jsonrpc/node.js'
    );
    const rpc = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    rpc.listen();
    const refused = await errorOf(rpc.sendRequest('task/list', {}));
    expect(refused).toMatchObject({ code: 1001, data: { reason: 'not_initialized' } });
    rpc.dispose();
    socket.destroy();
  });
});
