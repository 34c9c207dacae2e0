import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Completion, Task } from '@tend/protocol';
import { describe, expect, it } from 'vitest';
import { runWaited, tend, tendJson } from './helpers.js';
import { home, runTask, useTendHome } from './cli-setup.js';

// The agent features of the CLI: run --reuse, logs --new (durable cursors), wait --until-…,
// the completion inbox, stats and filters in ps/inspect. Real daemon, real processes.

useTendHome();

describe('tend inbox', () => {
  it("lists a session's task ends with their last lines once, and not after --ack", async () => {
    const s1 = { TEND_SESSION: 'agent-1' };
    const id = await runWaited(home, ['--', 'echo compiling; echo "2 tests failed"; exit 2'], { env: s1 });
    const other = await runWaited(home, ['--session', 'agent-2', '--', 'echo other']);

    const listed = await tend(home, ['inbox'], { env: s1 });
    expect(listed.code).toBe(0);
    const [table, block] = listed.stdout.split('\n\n');
    const rows = table!.split('\n').map((line) => line.split(/ {2,}/));
    expect(rows[0]).toEqual(['SEQ', 'ID', 'NAME', 'STATE', 'EXIT', 'DURATION', 'ENDED', 'COMMAND']);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.slice(1, 4)).toEqual([id, 'failed', '2']);
    expect(block).toMatch(new RegExp(`^\\d+ ${id} failed, exit 2:\\n {4}compiling\\n {4}2 tests failed\\n$`));
    expect(listed.stdout).not.toContain(other);

    const quiet = await tend(home, ['inbox', '-q', '--ack'], { env: s1 });
    expect(quiet.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(await tend(home, ['inbox'], { env: s1 })).toEqual({ code: 0, stdout: '', stderr: '' });
    const json = await tend(home, ['--json', 'inbox', '--session', 'agent-1'], {});
    expect(JSON.parse(json.stdout)).toMatchObject({ completions: [] });

    const all = await tendJson<{ completions: Completion[]; lastSeq: number }>(home, [
      'inbox',
      '--all',
      '--session',
      'agent-1',
    ]);
    expect(all.completions.map((c) => c.taskId)).toEqual([id]);
    expect(all.completions[0]).toMatchObject({
      state: 'failed',
      exitCode: 2,
      session: 'agent-1',
      tail: expect.stringContaining('2 tests failed'),
    });
    expect(all.lastSeq).toBeGreaterThanOrEqual(2);

    // agent-2's inbox still holds its own end.
    const second = await tendJson<{ completions: Completion[] }>(home, ['inbox', '--session', 'agent-2']);
    expect(second.completions.map((c) => c.taskId)).toEqual([other]);
  });
});

describe('tend ps filters', () => {
  it('lists only the tasks of --session, and of the workspace given with --cwd or --here', async () => {
    const app = join(home, 'app');
    const sub = join(app, 'web');
    mkdirSync(sub, { recursive: true });
    const inApp = await runTask(['--cwd', sub, '--session', 's1', '--', 'sleep 30']);
    const elsewhere = await runTask(['--cwd', home, '--', 'sleep 30']);
    const ids = async (args: string[], cwd?: string) => {
      const result = await tend(home, ['--json', 'ps', ...args], cwd ? { cwd } : {});
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as Task[]).map((t) => t.id).sort();
    };
    expect(await ids([])).toEqual([inApp, elsewhere].sort());
    expect(await ids(['--session', 's1'])).toEqual([inApp]);
    expect(await ids(['--cwd', app])).toEqual([inApp]);
    expect(await ids(['--cwd', 'app'], home)).toEqual([inApp]);
    expect(await ids(['--here'], app)).toEqual([inApp]);
    expect(await ids(['--here'], join(sub))).toEqual([inApp]);
    expect(await ids(['--cwd', join(home, 'ap')])).toEqual([]);
    // TEND_SESSION alone does not filter ps.
    const viaEnv = await tend(home, ['--json', 'ps'], { env: { TEND_SESSION: 's1' } });
    expect((JSON.parse(viaEnv.stdout) as Task[]).length).toBe(2);
  });
});
