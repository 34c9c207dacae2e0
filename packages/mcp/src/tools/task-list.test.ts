import { describe, expect, it } from 'vitest';
import { contextOf, fakeTend, task } from '../test-support/fake-tend.js';
import { taskList, taskListSchema } from './task-list.js';

const parse = (input: unknown) => taskListSchema.parse(input);
const port = (n: number) => ({ port: n, address: '127.0.0.1', family: 'tcp' as const, pid: 4242 });

describe('list_tasks', () => {
  it("lists this session's tasks, newest first, with the ports live ones listen on", async () => {
    const ended = task({
      id: 'a1b2c3d4',
      state: 'failed',
      exitCode: 1,
      durationMs: 3000,
      command: 'npm test',
      endedAt: new Date(Date.now() - 120_000).toISOString(),
    });
    const { api, calls } = fakeTend({
      list: () => [task({ name: 'web' }), ended],
      stats: () => [
        {
          id: 'k3j9x2ab',
          pids: [4242],
          cpuPercent: 1,
          rssBytes: 1,
          ports: [port(5173), port(3000), port(3000)],
        },
      ],
    });
    const answer = await taskList(parse({}), contextOf(api));
    expect(calls[0]!.args).toEqual([{ session: 'mcp:/work/project', limit: 20 }]);
    expect(answer.text).toBe(
      '2 tasks of this session (mcp:/work/project), newest first:\n' +
        '- k3j9x2ab "web": running (pid 4242, up 1 min 5 s), ports 3000, 5173 — npm run dev\n' +
        '- a1b2c3d4: failed (exit code 1) after 3.0 s, ended 2 min ago — npm test',
    );
  });

  it('lists every session with all_sessions, showing each session and a cwd outside the workspace', async () => {
    const { api, calls } = fakeTend({
      list: () => [
        task({
          state: 'succeeded',
          exitCode: 0,
          session: undefined,
          cwd: '/elsewhere',
          endedAt: new Date().toISOString(),
        }),
      ],
    });
    const answer = await taskList(parse({ all_sessions: true, state: 'ended', limit: 5 }), contextOf(api));
    expect(calls[0]!.args).toEqual([
      { state: ['succeeded', 'failed', 'killed', 'timed_out', 'lost'], limit: 5 },
    ]);
    expect(calls.map((c) => c.method)).toEqual(['list']);
    expect(answer.text).toMatch(
      /^1 ended task known to the tend daemon, newest first:\n- k3j9x2ab: succeeded \(exit code 0\) after 1 min 5 s, ended 0\.\d s ago, in \/elsewhere, no session — npm run dev$/,
    );
  });

  it('still lists the tasks when their stats cannot be read', async () => {
    const { api } = fakeTend({
      list: () => [task()],
      stats: () => Promise.reject(new Error('method not found')),
    });
    expect((await taskList(parse({ state: 'live' }), contextOf(api))).text).toContain(
      '- k3j9x2ab: running (pid 4242, up 1 min 5 s) — npm run dev',
    );
  });

  it('says where else to look when the session has no tasks', async () => {
    const { api } = fakeTend({ list: () => [] });
    expect((await taskList(parse({}), contextOf(api))).text).toBe(
      'No tasks of this session (mcp:/work/project). all_sessions: true lists tasks started elsewhere too.',
    );
  });
});
