import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Completion, Task } from '@tend/protocol';
import { Ajv } from 'ajv';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, runWaited, tend, tendJson } from './helpers.js';
import { home, otherClientConnected, runTask, useTendHome } from './cli-setup.js';

// `tend hook <host> <event>` against a real daemon: what Claude Code and Codex get on stdout, checked
// against the shapes of their documentation (test/fixtures/agent-hooks, which cites
// https://docs.claude.com/en/docs/claude-code/hooks and https://developers.openai.com/codex/hooks).

useTendHome();

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/agent-hooks/${name}`, import.meta.url), 'utf8'));
const ajv = new Ajv({ strict: false });
const contextShape = ajv.compile(fixture('context.output.schema.json'));
const stopShape = ajv.compile(fixture('stop.output.schema.json'));

let project: string;
let session: string;

beforeEach(() => {
  project = join(home, 'project');
  mkdirSync(project, { recursive: true });
  // tend mcp started in `project` serves session mcp:<project>; the hooks derive the same one.
  session = `mcp:${project}`;
});

/** Runs `tend hook <host> <event>` with the host's documented input (its cwd: the project). */
function hook(
  host: 'claude-code' | 'codex',
  event: string,
  extra: Record<string, unknown> = {},
  args: string[] = [],
) {
  const input =
    host === 'codex' && event === 'stop'
      ? { ...fixture('codex-stop.input.json'), cwd: project, ...extra }
      : { ...fixture('claude-code.input.json'), cwd: project, hook_event_name: eventName(event), ...extra };
  return tend(home, ['hook', host, event, ...args], { input: JSON.stringify(input), cwd: project });
}

function eventName(event: string): string {
  return event.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

/** The additionalContext of a context hook's answer, checked against the documented shape. */
function contextOf(result: CliResult, event: string): string {
  expect(result.code).toBe(0);
  expect(result.stderr).toBe('');
  const out = JSON.parse(result.stdout) as {
    hookSpecificOutput: { hookEventName: string; additionalContext: string };
  };
  expect(contextShape(out), JSON.stringify(contextShape.errors)).toBe(true);
  expect(out.hookSpecificOutput.hookEventName).toBe(eventName(event));
  return out.hookSpecificOutput.additionalContext;
}

/** The reason of a Stop hook's block, checked against the documented shape. */
function reasonOf(result: CliResult): string {
  expect(result.code).toBe(0);
  const out = JSON.parse(result.stdout) as { decision: string; reason: string };
  expect(stopShape(out), JSON.stringify(stopShape.errors)).toBe(true);
  expect(out.decision).toBe('block');
  return out.reason;
}

const NOTHING = { code: 0, stdout: '', stderr: '' };

describe('tend hook: unseen task ends', () => {
  it('reports each end of the session once, in the host format, and acknowledges it', async () => {
    const built = await runWaited(home, [
      '--session',
      session,
      '--description',
      'release build',
      '--',
      'echo compiling; echo "2 tests failed"; exit 2',
    ]);
    const quiet = await runWaited(home, ['--session', session, '--no-notify', '--', 'echo dev server']);
    const other = await runWaited(home, ['--session', 'someone-else', '--', 'echo other']);

    const text = contextOf(await hook('claude-code', 'user-prompt-submit'), 'user-prompt-submit');
    expect(text).toContain(`task ${built} (release build): failed, exit code 2`);
    expect(text).toContain('    2 tests failed');
    expect(text).not.toContain(quiet);
    expect(text).not.toContain(other);
    // Acknowledged: the next prompt gets nothing, on either host or event.
    expect(await hook('claude-code', 'user-prompt-submit')).toEqual(NOTHING);
    expect(await hook('codex', 'session-start')).toEqual(NOTHING);
    // The notify-off end stays in the inbox for whoever asks.
    const inbox = await tendJson<{ completions: Completion[] }>(home, ['inbox', '--session', session]);
    expect(inbox.completions.map((c) => c.taskId)).toEqual([quiet]);
    expect(inbox.completions[0]?.notify).toBe(false);

    const next = await runWaited(home, ['--session', session, '--', 'echo next']);
    expect(contextOf(await hook('codex', 'post-tool-use'), 'post-tool-use')).toContain(`task ${next}`);
  }, 120_000);

  it('bounds its text, and hands the ends left out to the next hook', async () => {
    // Six ends of ~1.9 KB each: about three fit in one hook's 8,000 characters.
    const line = 'x'.repeat(180);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(
        await runTask(['--session', session, '--', `for i in 1 2 3 4 5 6 7 8 9 10; do echo ${line}$i; done`]),
      );
    expect((await tend(home, ['wait', ...ids])).code).toBe(0);

    const seen: string[] = [];
    for (let round = 0; round < 6 && seen.length < ids.length; round++) {
      const text = contextOf(await hook('claude-code', 'user-prompt-submit'), 'user-prompt-submit');
      expect(text.length).toBeLessThanOrEqual(8000);
      const shown = ids.filter((id) => text.includes(`task ${id}`));
      expect(shown.length).toBeGreaterThan(0);
      if (round === 0) {
        expect(shown.length).toBeLessThan(ids.length);
        expect(text).toContain(`${ids.length - shown.length} more ended task`);
      }
      for (const id of shown) expect(seen).not.toContain(id);
      seen.push(...shown);
    }
    expect(seen.sort()).toEqual([...ids].sort());
    expect(await hook('claude-code', 'user-prompt-submit')).toEqual(NOTHING);
  }, 120_000);

  it('prints nothing and starts no daemon when none runs', async () => {
    expect(await hook('claude-code', 'user-prompt-submit')).toEqual(NOTHING);
    expect(await hook('codex', 'stop')).toEqual(NOTHING);
    expect(readdirSync(home)).toEqual(['project']);
  });

  it('refuses an unknown host or event without exit status 2 (which would block the host)', async () => {
    const host = await tend(home, ['hook', 'vim', 'stop'], { input: '{}' });
    expect(host.code).toBe(125);
    expect(host.stderr).toBe('tend: unknown host "vim": tend hook knows claude-code, codex\n');
    const event = await tend(home, ['hook', 'codex', 'pre-tool-use'], { input: '{}' });
    expect(event.code).toBe(125);
    expect(event.stderr).toContain('unknown event "pre-tool-use"');
  });
});

describe('tend hook <host> stop', () => {
  it('lets the agent stop when no trigger task is live', async () => {
    await runWaited(home, ['--session', session, '--', 'echo plain']);
    expect(await hook('claude-code', 'stop', { stop_hook_active: false })).toEqual(NOTHING);
    // The plain end was not used up: it shows at the next prompt.
    expect(contextOf(await hook('claude-code', 'user-prompt-submit'), 'user-prompt-submit')).toContain(
      'plain',
    );
  });

  it('waits while a trigger task is live, continues the agent with its end, then lets it stop', async () => {
    const gate = join(home, 'go');
    const id = await runTask([
      '--session',
      session,
      '--trigger',
      '--',
      `while [ ! -e ${gate} ]; do sleep 0.05; done; echo released; exit 4`,
    ]);
    let settled = false;
    const stopping = hook('codex', 'stop').finally(() => {
      settled = true;
    });
    // The hook is connected and waiting on the task: it has not answered.
    await otherClientConnected();
    expect(settled).toBe(false);
    writeFileSync(gate, '');
    const reason = reasonOf(await stopping);
    expect(reason).toContain(`task ${id}: failed, exit code 4`);
    expect(reason).toContain('    released');
    expect(reason).toContain('continue your work');
    // Its end is used up: the agent's next stop (stop_hook_active true) goes through, and no prompt repeats it.
    expect(await hook('codex', 'stop', { stop_hook_active: true })).toEqual(NOTHING);
    expect(await hook('claude-code', 'user-prompt-submit')).toEqual(NOTHING);
  });

  it('continues at once for a trigger end the agent has not seen, even with stop_hook_active', async () => {
    const id = await runWaited(home, [
      '--session',
      session,
      '--trigger',
      '--no-notify',
      '--',
      'echo finished',
    ]);
    expect(reasonOf(await hook('claude-code', 'stop', { stop_hook_active: true }))).toContain(`task ${id}`);
    expect(await hook('claude-code', 'stop', { stop_hook_active: true })).toEqual(NOTHING);
  });

  it('gives up after --wait while the trigger task still runs, saying nothing', async () => {
    const id = await runTask(['--session', session, '--trigger', '--', 'sleep 30']);
    expect(await hook('claude-code', 'stop', {}, ['--wait', '200ms'])).toEqual(NOTHING);
    expect((await tend(home, ['stop', id])).code).toBe(0);
  });
});

describe('description, notify and trigger', () => {
  it('round-trip through run, inspect, ps and ps --search', async () => {
    const id = await runTask([
      '--session',
      session,
      '--description',
      'Nightly DB backup',
      '--no-notify',
      '--trigger',
      '--',
      'sleep 30',
    ]);
    const plain = await runTask(['--', 'sleep 30']);
    const task = await tendJson<Task>(home, ['inspect', id]);
    expect(task).toMatchObject({ description: 'Nightly DB backup', notify: false, trigger: true });
    const other = await tendJson<Task>(home, ['inspect', plain]);
    expect(other).not.toHaveProperty('description');
    expect(other).not.toHaveProperty('notify');
    expect(other).not.toHaveProperty('trigger');

    const listed = await tendJson<Task[]>(home, ['ps']);
    expect(listed.find((t) => t.id === id)).toMatchObject({
      description: 'Nightly DB backup',
      notify: false,
    });
    const found = await tendJson<Task[]>(home, ['ps', '--search', 'db BACKUP']);
    expect(found.map((t) => t.id)).toEqual([id]);
    const byCommand = await tendJson<Task[]>(home, ['ps', '--search', 'sleep 30']);
    expect(byCommand.map((t) => t.id).sort()).toEqual([id, plain].sort());

    const table = await tend(home, ['ps']);
    expect(table.stdout.split('\n')[0]).toMatch(/DESCRIPTION — COMMAND$/);
    expect(table.stdout).toContain('Nightly DB backup — sleep 30');

    const tooLong = await tend(home, ['run', '--description', 'd'.repeat(501), '--', 'true']);
    expect(tooLong.code).toBe(125);
    expect(tooLong.stderr).toContain('description');
    expect(tooLong.stderr).toContain('at most 500 characters');
    await tend(home, ['stop', id, plain]);
  }, 120_000);
});
