import { describe, expect, it } from 'vitest';
import { contextOf, fakeTend, task } from '../test-support/fake-tend.js';
import { taskRun, taskRunSchema } from './task-run.js';

// start_task's lifetime policies: lifetime (default session for the MCP server) and ttl_ms.

const parse = (input: unknown) => taskRunSchema('/work/project').parse(input);

describe('start_task lifetime and ttl_ms', () => {
  it('starts tasks with lifetime session by default and says when tend will stop them', async () => {
    const { api, calls } = fakeTend({ run: () => task({ lifetime: 'session' }) });
    const answer = await taskRun(parse({ command: 'npm run watch' }), contextOf(api));
    expect(calls[0]!.args[0]).toMatchObject({ lifetime: 'session' });
    expect(answer.text).toContain(
      'tend stops it about a minute after no client of session "mcp:/work/project" is connected ' +
        '(pass lifetime "persistent" to keep it).',
    );
  });

  it('passes lifetime persistent and ttl_ms as ttlMs, and names the expiry', async () => {
    const expiresAt = '2026-11-21T12:00:00.010Z';
    const { api, calls } = fakeTend({ run: () => task({ ttlMs: 7_200_000, expiresAt }) });
    const answer = await taskRun(
      parse({ command: 'npm run dev', lifetime: 'persistent', ttl_ms: 7_200_000 }),
      contextOf(api),
    );
    expect(calls[0]!.args[0]).toMatchObject({ lifetime: 'persistent', ttlMs: 7_200_000 });
    expect(answer.text).toContain(`tend stops it when its TTL expires at ${expiresAt}.`);
    expect(answer.text).not.toContain('no client of session');
  });

  it('refuses another lifetime and a ttl_ms of 0 at the schema', () => {
    expect(() => parse({ command: 'x', lifetime: 'forever' })).toThrow(/lifetime/);
    expect(() => parse({ command: 'x', ttl_ms: 0 })).toThrow(/ttl_ms/);
  });
});
