import { readFileSync } from 'node:fs';
import type { Completion } from '@tend/protocol/wire';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { HOOK_EVENTS, type HookEvent, hookOutput, MAX_HOOK_TEXT_CHARS, renderEnds } from './hook-format.js';
import { hookSession } from './hook.js';

// Shapes from the hosts' documentation (test/fixtures/agent-hooks/README.md cites them):
// https://docs.claude.com/en/docs/claude-code/hooks and https://developers.openai.com/codex/hooks.
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/agent-hooks/${name}`, import.meta.url), 'utf8'));
const ajv = new Ajv({ strict: false });
const contextShape = ajv.compile(fixture('context.output.schema.json'));
const stopShape = ajv.compile(fixture('stop.output.schema.json'));

function end(seq: number, over: Partial<Completion> = {}): Completion {
  return {
    seq,
    taskId: `task${seq}`,
    command: 'npm run build',
    cwd: '/p',
    state: 'failed',
    exitCode: 1,
    durationMs: 123_000,
    endedAt: '2026-01-01T00:00:00.000Z',
    tail: 'error TS2304\nbuild failed\n',
    ...over,
  };
}

describe('hookOutput', () => {
  it.each(['session-start', 'user-prompt-submit', 'post-tool-use'] as HookEvent[])(
    '%s: hookSpecificOutput.additionalContext as documented',
    (event) => {
      const out = hookOutput(event, 'text');
      expect(contextShape(out), JSON.stringify(contextShape.errors)).toBe(true);
      expect(out).toEqual({
        hookSpecificOutput: { hookEventName: HOOK_EVENTS[event], additionalContext: 'text' },
      });
    },
  );

  it('stop: decision block with a reason, as documented', () => {
    const out = hookOutput('stop', 'why');
    expect(stopShape(out), JSON.stringify(stopShape.errors)).toBe(true);
    expect(out).toEqual({ decision: 'block', reason: 'why' });
    // The schema is not one that passes anything: a block without a reason is refused.
    expect(stopShape({ decision: 'block' })).toBe(false);
    expect(contextShape({ hookSpecificOutput: { hookEventName: 'Stop', additionalContext: 'x' } })).toBe(
      false,
    );
  });
});

describe('renderEnds', () => {
  it('names each end with exit status, description and last lines', () => {
    const { text, shown } = renderEnds([end(1, { name: 'build', description: 'release build' })]);
    expect(shown.map((c) => c.seq)).toEqual([1]);
    expect(text).toBe(
      [
        'A background task (tend) has ended since tend last told you:',
        '- task task1 "build" (release build): failed, exit code 1, after 2m 3s — npm run build',
        '    last lines:',
        '    error TS2304',
        '    build failed',
        'Read a whole log with read_output (tend MCP server) or `tend logs <id>`.',
      ].join('\n'),
    );
  });

  it('stays within the bound, oldest first, and counts the ends left out', () => {
    const tail = `${'x'.repeat(199)}\n`.repeat(10);
    const ends = Array.from({ length: 40 }, (_, i) => end(i + 1, { tail, command: 'y'.repeat(5000) }));
    const { text, shown } = renderEnds(ends);
    expect(text.length).toBeLessThanOrEqual(MAX_HOOK_TEXT_CHARS);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(40);
    expect(shown.map((c) => c.seq)).toEqual(ends.slice(0, shown.length).map((c) => c.seq));
    expect(text).toContain(`${40 - shown.length} more ended tasks not shown`);
    // Commands are cut to one line of 200 characters.
    expect(text).not.toContain('y'.repeat(201));
  });

  it('says nothing for no ends', () => {
    expect(renderEnds([])).toEqual({ text: '', shown: [] });
  });
});

describe('hookSession', () => {
  it("is tend mcp's session of the project: $CLAUDE_PROJECT_DIR, else the input's cwd", () => {
    expect(
      hookSession('claude-code', { cwd: '/work/app/sub' }, undefined, { CLAUDE_PROJECT_DIR: '/work/app' }),
    ).toBe('mcp:/work/app');
    expect(hookSession('codex', { cwd: '/work/app/' }, undefined, { CLAUDE_PROJECT_DIR: '/x' })).toBe(
      'mcp:/work/app',
    );
    expect(hookSession('claude-code', {}, undefined, {}, '/cwd')).toBe('mcp:/cwd');
    expect(hookSession('codex', { cwd: '/a' }, undefined, { TEND_SESSION: 'mine' })).toBe('mine');
    expect(hookSession('codex', { cwd: '/a' }, ' given ', { TEND_SESSION: 'mine' })).toBe('given');
  });
});
