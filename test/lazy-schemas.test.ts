// Issue 13 (daemon start → serving): importing the protocol builds no zod schema, and neither does the
// daemon's start. A method's schemas are built when its first request arrives (method.ts, lazy-schema.ts).
// Both run the built code in a fresh process with test/support/count-zod-schemas.mjs preloaded.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonHarness } from './daemon-harness.js';
import { pollUntil } from './support/poll.mjs';

const HOOK = resolve(import.meta.dirname, 'support', 'count-zod-schemas.mjs');
const PROTOCOL = resolve(import.meta.dirname, '..', 'packages', 'protocol', 'dist', 'index.js');

interface Report {
  built: number;
  first: string | null;
}

describe('zod schemas are built on first use', () => {
  it('importing @tend/protocol builds none; reading a method object’s params builds them, once', () => {
    const script = `
      import { zodSchemasBuilt } from ${JSON.stringify(HOOK)};
      const protocol = await import(${JSON.stringify(PROTOCOL)});
      const atImport = zodSchemasBuilt();
      const params = protocol.TaskRun.params;
      const afterParams = zodSchemasBuilt();
      const parsed = protocol.parseParams(protocol.TaskRun, { command: 'make test', cwd: '/home/ada' });
      const afterParse = zodSchemasBuilt();
      const same = protocol.TaskRun.params === params && protocol.TaskSchema() === protocol.TaskSchema();
      console.log(JSON.stringify({ atImport, afterParams, afterParse, same, parsed }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as {
      atImport: number;
      afterParams: number;
      same: boolean;
      afterParse: number;
      parsed: { command: string; env: object; lifetime: string };
    };
    expect(out.atImport).toBe(0);
    // The hook sees construction: task/run's params are dozens of schemas (fields, checks, TaskSchema's).
    expect(out.afterParams).toBeGreaterThan(20);
    expect(out.same).toBe(true);
    // Parsing builds nothing more, and applies the defaults as before.
    expect(out.afterParse).toBe(out.afterParams);
    expect(out.parsed).toMatchObject({ command: 'make test', env: {}, lifetime: 'persistent' });
  });

  describe('the daemon', () => {
    let harness: DaemonHarness | undefined;
    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });

    /** Asks the daemon for its count (SIGUSR2) and waits for the report it writes. */
    async function report(h: DaemonHarness, file: string): Promise<Report> {
      rmSync(file, { force: true });
      process.kill(h.child?.pid as number, 'SIGUSR2');
      await pollUntil('the zod report', () => existsSync(file));
      return JSON.parse(readFileSync(file, 'utf8')) as Report;
    }

    it('starts and serves without building one; its first request builds that method’s', async () => {
      harness = new DaemonHarness();
      const file = join(harness.home, 'zod-report.json');
      harness.env.NODE_OPTIONS = `--import=${HOOK}`;
      harness.env.TEND_TEST_ZOD_REPORT = file;
      await harness.start();
      const atStart = await report(harness, file);
      expect(atStart.first).toBeNull();
      expect(atStart.built).toBe(0);

      const client = await harness.connect();
      await client.request('daemon/status');
      const afterRequests = await report(harness, file);
      expect(afterRequests.built).toBeGreaterThan(0);
    });
  });
});
