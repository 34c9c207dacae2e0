// A bad config.json fails at once, naming the file and the key; `tend daemon restart` applies a fixed one.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@tend/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanUpTendHome, daemonPid, makeTendHome, tend, tendJson } from './helpers.js';
import { isAlive } from './support/processes.mjs';

let home: string;
let configPath: string;

beforeAll(() => {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`);
});
beforeEach(() => {
  home = makeTendHome();
  mkdirSync(join(home, 'config'));
  configPath = join(home, 'config', 'config.json');
});
afterEach(async () => {
  await cleanUpTendHome(home);
});

describe('config.json', () => {
  it('fails before starting a daemon, with one message naming the file, the key, the value and what is allowed', async () => {
    writeFileSync(configPath, JSON.stringify({ outputCapBytes: '64k' }));
    const result = await tend(home, ['ps']);
    expect(result.code).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `tend: ${configPath}: key "outputCapBytes" is "64k": must be a whole number of bytes, at least 65536 (64 KiB), ` +
        'e.g. 67108864 for 64 MiB; fix or remove it, then run the command again\n',
    );
    // No daemon was spawned: no daemon.json, and no daemon log to quote.
    expect(daemonPid(home)).toBeUndefined();
    expect(existsSync(join(home, 'state', 'daemon.log'))).toBe(false);
  });

  it('names an unknown key with the keys there are, and a file that is not JSON', async () => {
    writeFileSync(configPath, '{"outputcap": 1}');
    expect((await tend(home, ['daemon', 'start'])).stderr).toMatch(
      /key "outputcap" is not a config key; the keys are (\w+, )*outputCapBytes, /,
    );
    writeFileSync(configPath, '{"outputCapBytes": 1');
    const notJson = await tend(home, ['run', '--', 'true']);
    expect(notJson.code).toBe(125);
    expect(notJson.stderr).toMatch(
      new RegExp(`^tend: ${configPath.replace(/[.]/g, '\\.')}: not valid JSON \\(`),
    );
    expect(daemonPid(home)).toBeUndefined();
  });

  it('lets daemon restart refuse a bad file while the running daemon stays, and apply a fixed one', async () => {
    const pid = Number((await tend(home, ['daemon', 'start'])).stdout.trim());
    writeFileSync(configPath, JSON.stringify({ killGraceMs: -1 }));
    const refused = await tend(home, ['daemon', 'restart']);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain('key "killGraceMs" is -1: must be 0 ms or more');
    expect(isAlive(pid)).toBe(true);
    expect(daemonPid(home)).toBe(pid);

    writeFileSync(configPath, JSON.stringify({ outputCapBytes: 65_536 }));
    const restarted = await tend(home, ['daemon', 'restart']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(Number(restarted.stdout.trim())).not.toBe(pid);
    const task = await tendJson<Task>(home, ['run', '--', 'true']);
    expect(task.outputCapBytes).toBe(65_536);
  });
});
