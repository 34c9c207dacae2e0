import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyTaskLimits, limitsOf, oomEndReason, prepareTaskLimits } from './task-limits.js';

// A task's limits through its life, against fake cgroup directories under os.tmpdir().

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fakeCgroup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tend-tl-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const GiB = 1024 ** 3;

describe('task limits', () => {
  it('keeps only the limits given', () => {
    expect(limitsOf({ memoryMaxBytes: GiB, pidsMax: 9 })).toEqual({ memoryMaxBytes: GiB, pidsMax: 9 });
    expect(limitsOf({ pidsMax: 9 })).toEqual({ pidsMax: 9 });
    expect(limitsOf({})).toEqual({});
  });

  it('before the row: refuses without cgroup containment, enables the controllers of a root that has them', () => {
    expect(() => prepareTaskLimits({}, {})).not.toThrow();
    expect(() =>
      prepareTaskLimits({ pidsMax: 100 }, { withoutCgroup: 'marker containment because none is writable' }),
    ).toThrow(
      expect.objectContaining({
        reason: 'limit_unavailable',
        message: expect.stringContaining('marker containment because none is writable'),
      }),
    );
    const root = fakeCgroup({ 'cgroup.controllers': 'memory pids', 'cgroup.subtree_control': '' });
    prepareTaskLimits({ memoryMaxBytes: GiB, pidsMax: 100 }, { cgroupRoot: root });
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids');
    const noPids = fakeCgroup({ 'cgroup.controllers': 'memory', 'cgroup.subtree_control': '' });
    expect(() => prepareTaskLimits({ pidsMax: 100 }, { cgroupRoot: noPids })).toThrow(
      /needs the pids controller/,
    );
    // Refused before anything is enabled.
    expect(readFileSync(join(noPids, 'cgroup.subtree_control'), 'utf8')).toBe('');
  });

  it("writes a row's limits into its cgroup, nothing for a row without limits, and refuses limits without a cgroup", () => {
    const cgroup = fakeCgroup({});
    applyTaskLimits({ id: 'a1', cgroup, memoryMaxBytes: 2 * GiB, pidsMax: 100 });
    expect(readFileSync(join(cgroup, 'memory.max'), 'utf8')).toBe('2147483648');
    expect(readFileSync(join(cgroup, 'pids.max'), 'utf8')).toBe('100');
    expect(() => applyTaskLimits({ id: 'a2' })).not.toThrow();
    expect(() => applyTaskLimits({ id: 'a3', pidsMax: 5 })).toThrow(
      'task a3 has resource limits but no cgroup to set them in',
    );
  });

  it('names the OOM killer when the command died by SIGKILL and memory.events counts an oom_kill', () => {
    const killed = fakeCgroup({
      'memory.events': 'low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n',
    });
    const row = { state: 'running' as const, cgroup: killed, memoryMaxBytes: 2 * GiB };
    expect(oomEndReason(row, { signal: 'SIGKILL' })).toBe(
      'killed by the OOM killer: memory.max (2 GiB) reached',
    );
    expect(oomEndReason({ ...row, memoryMaxBytes: 64 * 1024 * 1024 }, { signal: 'SIGKILL' })).toBe(
      'killed by the OOM killer: memory.max (64 MiB) reached',
    );
    // Not the OOM killer's: another end, tend's own SIGKILL of a stop, no kill counted, no limit, no cgroup.
    expect(oomEndReason(row, {})).toBeUndefined();
    expect(oomEndReason(row, { signal: 'SIGTERM' })).toBeUndefined();
    expect(oomEndReason({ ...row, state: 'stopping' }, { signal: 'SIGKILL' })).toBeUndefined();
    const calm = fakeCgroup({ 'memory.events': 'oom 0\noom_kill 0\n' });
    expect(oomEndReason({ ...row, cgroup: calm }, { signal: 'SIGKILL' })).toBeUndefined();
    expect(oomEndReason({ state: 'running', cgroup: killed }, { signal: 'SIGKILL' })).toBeUndefined();
    expect(oomEndReason({ state: 'running', memoryMaxBytes: GiB }, { signal: 'SIGKILL' })).toBeUndefined();
  });
});
