import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonHarness } from './daemon-harness.js';
import { cgroup2Mount } from './support/cgroup.mjs';

// Config keys `containment` and `cgroupRoot` (docs/design.md, "Containment"): a bad root or a forced
// cgroup containment without one fails the daemon's start with an error naming the key; `auto`
// without a usable root falls back to marker and says why. The bad roots here are refused before
// anything is written: a missing directory under the mount and a plain temporary directory.

let harness: DaemonHarness;
const extra: string[] = [];

afterEach(async () => {
  await harness.cleanup();
  for (const dir of extra.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writeConfig(config: Record<string, unknown>): string {
  const path = join(harness.home, 'config', 'config.json');
  mkdirSync(join(harness.home, 'config'), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** This process's cgroup v2 path (`0::` of /proc/self/cgroup); the test's daemons start in it. */
function ownCgroup(): string | undefined {
  return readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('0::'))
    ?.slice(3);
}

describe('containment config', () => {
  it('refuses to start with a cgroupRoot that does not exist or is outside the cgroup v2 hierarchy', async () => {
    harness = new DaemonHarness();
    const mount = cgroup2Mount();
    const missing = `${mount ?? '/sys/fs/cgroup'}/tend-test-missing-${process.pid}`;
    const configPath = writeConfig({ cgroupRoot: missing });
    let result = await harness.runAnother();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      mount
        ? `${configPath}: key "cgroupRoot" is ${JSON.stringify(missing)}: does not exist`
        : `key "cgroupRoot" is ${JSON.stringify(missing)}: names a cgroup, but no cgroup v2 hierarchy is mounted`,
    );
    const outside = mkdtempSync('/tmp/tend-notcg-');
    extra.push(outside);
    writeConfig({ containment: 'cgroup', cgroupRoot: outside });
    result = await harness.runAnother();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`key "cgroupRoot" is ${JSON.stringify(outside)}:`);
    if (mount) expect(result.stderr).toContain(`is not inside the cgroup v2 hierarchy (mounted at ${mount})`);
  });

  it('refuses to start with containment "cgroup" when no cgroup can be written, naming the key and what is needed', async () => {
    harness = new DaemonHarness();
    writeConfig({ containment: 'cgroup' });
    const delegatable = ownCgroup() !== '/' && process.geteuid?.() !== 0;
    if (delegatable) {
      // A test run inside a delegated cgroup (a systemd user scope): the daemon may use it.
      await harness.start();
      const client = await harness.connect();
      expect((await client.request('daemon/status')).containment.mode).toBe('cgroup');
      return;
    }
    const result = await harness.runAnother();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('key "containment" is "cgroup": needs a cgroup, but none can be written');
    expect(result.stderr).toContain('set cgroupRoot');
  });

  it('falls back to marker in auto mode without a usable cgroup, and says why in daemon/status', async () => {
    harness = new DaemonHarness();
    if (ownCgroup() !== '/' && process.geteuid?.() !== 0) writeConfig({ containment: 'marker' });
    await harness.start();
    const client = await harness.connect();
    const { containment } = await client.request('daemon/status');
    expect(containment.mode).toBe('marker');
    expect(containment.reason).toMatch(/root cgroup|runs as root|containment is "marker"/);
    const task = await client.request('task/run', { command: 'true', cwd: harness.home });
    expect(task.containment).toBe('marker');
    expect(task.cgroup).toBeUndefined();
  });
});
