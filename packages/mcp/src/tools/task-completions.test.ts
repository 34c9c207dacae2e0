import { describe, expect, it } from 'vitest';
import { contextOf, fakeTend } from '../test-support/fake-tend.js';
import { taskCompletions, taskCompletionsSchema } from './task-completions.js';

const parse = (input: unknown) => taskCompletionsSchema.parse(input);
const completion = {
  seq: 7,
  taskId: 'k3j9x2ab',
  name: 'tests',
  command: 'npm test',
  cwd: '/work/project',
  session: 'mcp:/work/project',
  state: 'failed' as const,
  exitCode: 1,
  durationMs: 12_000,
  endedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
  tail: '1 failed, 40 passed\n',
};

describe('task_inbox', () => {
  it("lists this session's unseen task ends with their status and last lines, and acknowledges them by default", async () => {
    const { api, calls } = fakeTend({ completions: () => ({ completions: [completion], lastSeq: 7 }) });
    const answer = await taskCompletions(parse({}), contextOf(api));
    expect(calls[0]!.args).toEqual([{ session: 'mcp:/work/project', ack: true, limit: 20 }]);
    expect(answer.text).toBe(
      '1 task end not seen before, oldest first (now marked as seen):\n' +
        '- k3j9x2ab "tests": failed (exit code 1) after 12 s, ended 5 min ago — npm test\n```\n1 failed, 40 passed\n```',
    );
  });

  it('only looks with ack: false, and says the ends will be listed again', async () => {
    const { api, calls } = fakeTend({
      completions: () => ({ completions: [{ ...completion, tail: '' }], lastSeq: 7 }),
    });
    const answer = await taskCompletions(parse({ ack: false, limit: 1 }), contextOf(api));
    expect(calls[0]!.args).toEqual([{ session: 'mcp:/work/project', ack: false, limit: 1 }]);
    expect(answer.text).toContain('(not marked as seen: they will be listed again):');
    expect(answer.text).toContain('  (no output)');
    expect(answer.text).toContain('There may be more: call task_inbox again.');
  });

  it('says when nothing has ended', async () => {
    const { api } = fakeTend({ completions: () => ({ completions: [], lastSeq: 7 }) });
    expect((await taskCompletions(parse({}), contextOf(api))).text).toBe(
      'No task of this session (mcp:/work/project) has ended since the last check.',
    );
  });
});
