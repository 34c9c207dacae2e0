import type { McpServer } from '@modelcontextprotocol/server';
import type { Completion } from '@tend/protocol/wire';
import { describe, expect, it } from 'vitest';
import { TaskEndNotifier } from './task-end-notifier.js';
import { task } from './test-support/fake-tend.js';

/** An McpServer's low-level server as far as the notifier uses it, recording what is sent. */
function fakeServer() {
  const handlers = new Map<string, (request: { params: Record<string, unknown> }) => Promise<unknown>>();
  const sent: { method: string; params: Record<string, unknown> }[] = [];
  const server = {
    server: {
      onclose: undefined as (() => void) | undefined,
      setRequestHandler: (method: string, handler: never) => void handlers.set(method, handler),
      sendResourceUpdated: async (params: Record<string, unknown>) =>
        void sent.push({ method: 'notifications/resources/updated', params }),
      sendLoggingMessage: async (params: Record<string, unknown>) =>
        void sent.push({ method: 'notifications/message', params }),
    },
  };
  const request = (method: string, params: Record<string, unknown>) => handlers.get(method)!({ params });
  return { mcp: server as unknown as McpServer, sent, request, close: () => server.server.onclose?.() };
}

const end = (seq: number, extra: Partial<Completion> = {}): Completion => ({
  seq,
  taskId: 'k3j9x2ab',
  command: 'npm test',
  cwd: '/work',
  session: 'mcp:/work',
  state: 'failed',
  exitCode: 1,
  endedAt: '2026-11-21T10:00:00.000Z',
  tail: '',
  ...extra,
});

describe('TaskEndNotifier', () => {
  it('tells nothing to a client that asked for nothing', () => {
    const notifier = new TaskEndNotifier('mcp:/work', async () => ({}) as never);
    const { mcp, sent } = fakeServer();
    notifier.attach(mcp, 'legacy');
    notifier.taskEnded(end(1));
    expect(sent).toEqual([]);
  });

  it('updates subscribed URIs of any session, logs ends of its session at or above the level, each end once', async () => {
    const notifier = new TaskEndNotifier('mcp:/work', async () => ({ get: async () => task() }) as never);
    const { mcp, sent, request } = fakeServer();
    notifier.attach(mcp, 'legacy');
    await request('resources/subscribe', { uri: 'tend://task/tests/output' });
    await request('logging/setLevel', { level: 'warning' });

    notifier.taskEnded(end(1, { session: 'cli' }));
    notifier.taskEnded(end(2, { taskId: 'other123', state: 'succeeded', exitCode: 0 }));
    notifier.taskEnded(end(3));
    notifier.taskEnded(end(3));
    expect(sent).toEqual([
      { method: 'notifications/resources/updated', params: { uri: 'tend://task/tests/output' } },
      { method: 'notifications/resources/updated', params: { uri: 'tend://task/tests/output' } },
      {
        method: 'notifications/message',
        params: {
          level: 'warning',
          logger: 'tend',
          data: {
            message: 'tend task k3j9x2ab ended: failed (exit code 1) — npm test',
            completion: end(3),
          },
        },
      },
    ]);

    await request('resources/unsubscribe', { uri: 'tend://task/tests/output' });
    sent.length = 0;
    notifier.taskEnded(end(4));
    expect(sent.map((s) => s.method)).toEqual(['notifications/message']);
  });

  it('refuses a subscription to something that is not a task output, naming it', async () => {
    const notifier = new TaskEndNotifier('mcp:/work', async () => ({}) as never);
    const { mcp, request } = fakeServer();
    notifier.attach(mcp, 'legacy');
    await expect(request('resources/subscribe', { uri: 'file:///etc/passwd' })).rejects.toThrow(
      'file:///etc/passwd: not a tend resource (tend://task/<id>/output)',
    );
  });

  it('on the 2026-07-28 era hands every end to the SDK’s listen router, and stops at close', () => {
    const notifier = new TaskEndNotifier('mcp:/work', async () => ({}) as never);
    const { mcp, sent, close } = fakeServer();
    notifier.attach(mcp, 'modern');
    notifier.taskEnded(end(1));
    close();
    notifier.taskEnded(end(2));
    expect(sent).toEqual([
      { method: 'notifications/resources/updated', params: { uri: 'tend://task/k3j9x2ab/output' } },
    ]);
  });
});
